package dev.hse4j.server.outbound;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.util.InetAddressSet;

/**
 * The destinations an extension may connect to, as the operator wrote them: {@code host:port},
 * {@code [v6]:port}, or a CIDR block with an optional port ({@code 10.0.0.0/8}, {@code 10.0.0.0/8:443},
 * {@code [fd00::/8]:443}). Empty allows nothing. Immutable.
 */
final class AllowList {

    /** One entry: a host name or an address set (one address or a CIDR block), and a port (-1 = any). */
    private record Entry(String text, String hostName, InetAddressSet addresses, int port) {
        boolean matches(String requestedName, InetAddress address, int p) {
            if (port >= 0 && port != p) {
                return false;
            }
            if (addresses != null) {
                return addresses.test(address);
            }
            if (requestedName != null && requestedName.equalsIgnoreCase(hostName)) {
                return true;
            }
            try { // a named entry also allows the addresses the name stands for
                for (InetAddress a : InetAddress.getAllByName(hostName)) {
                    if (a.equals(address)) {
                        return true;
                    }
                }
            } catch (UnknownHostException e) {
                return false;
            }
            return false;
        }
    }

    private final List<Entry> entries;

    private AllowList(List<Entry> entries) {
        this.entries = entries;
    }

    /** @return an empty list */
    static AllowList none() {
        return new AllowList(List.of());
    }

    /**
     * @param texts the entries
     * @return the list
     * @throws IllegalArgumentException naming the first malformed entry
     */
    static AllowList parse(Collection<String> texts) {
        List<Entry> out = new ArrayList<>();
        for (String t : texts) {
            out.add(entry(t.trim()));
        }
        return new AllowList(List.copyOf(out));
    }

    /** @param other more entries @return both lists' entries */
    AllowList plus(AllowList other) {
        List<Entry> l = new ArrayList<>(entries);
        l.addAll(other.entries);
        return new AllowList(List.copyOf(l));
    }

    /** @return the entries as written */
    List<String> texts() {
        return entries.stream().map(Entry::text).toList();
    }

    /**
     * @param requestedName the host name the caller gave, or {@code null} for an address
     * @param address the resolved address
     * @param port the port
     * @return whether some entry allows it
     */
    boolean allows(String requestedName, InetAddress address, int port) {
        for (Entry e : entries) {
            if (e.matches(requestedName, address, port)) {
                return true;
            }
        }
        return false;
    }

    private static Entry entry(String t) {
        String host;
        int port = -1;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw bad(t, "missing ']'");
            }
            host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw bad(t, "expected ':port' after ']'");
                }
                port = port(t, rest.substring(1));
            }
        } else {
            int colon = t.lastIndexOf(':');
            if (colon != t.indexOf(':')) {
                throw bad(t, "write IPv6 addresses in brackets, [v6]:port");
            }
            if (colon >= 0) {
                host = t.substring(0, colon);
                port = port(t, t.substring(colon + 1));
            } else {
                host = t;
            }
        }
        if (host.isEmpty()) {
            throw bad(t, "no host");
        }
        boolean cidr = host.contains("/");
        boolean literal = cidr || host.contains(":") || host.matches("[0-9.]+");
        if (!literal) {
            if (port < 0) {
                throw bad(t, "a host name needs a port (host:port)");
            }
            if (!host.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
                throw bad(t, "not a host name");
            }
            return new Entry(t, host.toLowerCase(Locale.ROOT), null, port);
        }
        if (!cidr && port < 0) {
            throw bad(t, "an address needs a port (address:port), or write a CIDR block");
        }
        InetAddressSet set = new InetAddressSet();
        try {
            set.add(host);
        } catch (RuntimeException e) {
            throw bad(t, "not an address or CIDR block");
        }
        return new Entry(t, null, set, port);
    }

    private static int port(String t, String p) {
        try {
            int n = Integer.parseInt(p);
            if (n < 1 || n > 65535) {
                throw bad(t, "port out of range");
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(t, "not a port: '" + p + "'");
        }
    }

    private static IllegalArgumentException bad(String t, String why) {
        return new IllegalArgumentException("outbound allow-list entry '" + t + "': " + why);
    }
}
