package dev.hse4j.server.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

import org.eclipse.jetty.util.InetAddressSet;

/**
 * The peers allowed to send PROXY headers: a set of CIDR blocks or single addresses. Every entry must be an
 * address literal (never a host name: trust must not depend on DNS); matching is Jetty's
 * {@link InetAddressSet}.
 */
public final class TrustedProxies {

    private final InetAddressSet set = new InetAddressSet();
    private final List<String> entries;

    /**
     * @param entries CIDR blocks ({@code 10.0.0.0/8}, {@code fd00::/8}) or addresses ({@code 192.0.2.7})
     * @throws IllegalArgumentException for an entry that is not one, with the entry in the message
     */
    public TrustedProxies(List<String> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no trusted proxies");
        }
        for (String e : entries) {
            String s = e.trim();
            int slash = s.indexOf('/');
            String addr = slash < 0 ? s : s.substring(0, slash);
            InetAddress a = addr.indexOf(':') >= 0 ? ProxyHeaderParser.ipv6(addr) : ProxyHeaderParser.ipv4(addr);
            if (a == null) {
                throw new IllegalArgumentException("'" + e + "' is not an IP address or CIDR block");
            }
            if (slash >= 0) {
                int bits = ProxyHeaderParser.port(s.substring(slash + 1));
                int max = a.getAddress().length * 8;
                if (bits < 0 || bits > max) {
                    throw new IllegalArgumentException("'" + e + "': prefix length must be 0 to " + max);
                }
            }
            set.add(s);
        }
        this.entries = List.copyOf(entries);
    }

    /** @param peer a connection's remote address @return whether it may send PROXY headers */
    public boolean trusts(SocketAddress peer) {
        return peer instanceof InetSocketAddress i && i.getAddress() != null && set.test(i.getAddress());
    }

    /** @return the entries as configured */
    public List<String> entries() {
        return entries;
    }

    @Override
    public String toString() {
        return String.join(",", entries);
    }
}
