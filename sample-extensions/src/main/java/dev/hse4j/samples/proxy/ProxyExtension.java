package dev.hse4j.samples.proxy;

import dev.hse4j.api.ExtensionContext;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.TerminateMode;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A reverse proxy: {@code /ext/proxy/<path>} is forwarded to {@code <upstream>/<path>}.
 *
 * <p>The operator names the upstream and allows the extension to reach it:
 * <pre>
 *   --ext-setting proxy.upstream=127.0.0.1:8081 --outbound-allow-ext proxy=127.0.0.1:8081
 * </pre>
 * Each client connection gets one upstream connection, opened with {@code connectEx} at its first request
 * and kept alive for its next ones (closed after {@code proxy.idle-timeout-ms}, 5,000 by default, without
 * one); its first data (in the SYN where TCP
 * Fast Open works) is the PROXY header of the client connection followed by the request head, so the
 * upstream sees who the client is: when hse4j itself sits behind a trusted balancer
 * ({@code --proxy-protocol}), the client connection's redirect record exactly as the balancer sent it
 * (which is why this extension asks for {@code redirectRecords}); otherwise a PROXY v2 header built from
 * the client connection's addresses. The body then streams up and the response streams down through two
 * 64 KB buffers, never a whole message; see {@link ProxySession}.
 *
 * <p>Its procedure never waits: it only builds the request, takes or opens the upstream connection and
 * starts asynchronous operations; the one thing that could wait, looking up an upstream given by name,
 * happens on a thread of its own ({@code proxy-lookup}). So it declares {@code nonBlocking}: the procedure
 * runs on the network thread that read the request, and with the rest of the exchange on the outbound I/O
 * thread (the client write's completion and the client connection's resume run there after the upstream
 * receive's completion) a proxied request wakes no worker at all (bench/README.md, reverse proxy: ~0.2 context
 * switches per request instead of ~0.9).
 */
@ExtensionSettings(redirectRecords = true, nonBlocking = true)
public final class ProxyExtension implements HttpExtension {

    /** How long an upstream connection waits for the next request of its client connection. */
    static final long DEFAULT_IDLE_MILLIS = 5_000;

    private volatile InetSocketAddress upstream;
    private volatile UpstreamLinks links = new UpstreamLinks(DEFAULT_IDLE_MILLIS);
    private volatile String problem = "no upstream configured (--ext-setting proxy.upstream=HOST:PORT)";
    /** Connects to an upstream given by name (the lookup may wait); null when it is an address. */
    private volatile ExecutorService lookups;

    @Override
    public void attach(ExtensionContext context) {
        String idle = context.setting("idle-timeout-ms");
        if (idle != null) {
            try {
                links = new UpstreamLinks(Math.max(0, Long.parseLong(idle.trim())));
            } catch (NumberFormatException e) {
                problem = "the idle-timeout-ms setting is not a number";
                return;
            }
        }
        String u = context.setting("upstream");
        if (u == null) {
            return;
        }
        int colon = u.lastIndexOf(':');
        try {
            String host = u.substring(0, colon).replace("[", "").replace("]", "");
            upstream = InetSocketAddress.createUnresolved(host, Integer.parseInt(u.substring(colon + 1)));
            problem = null;
            if (!isAddress(host)) {
                lookups = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "proxy-lookup");
                    t.setDaemon(true);
                    return t;
                });
            }
        } catch (RuntimeException e) {
            problem = "the upstream setting is not HOST:PORT";
        }
    }

    /** @return whether {@code host} is an IPv4 or IPv6 literal (connecting to it never looks a name up) */
    static boolean isAddress(String host) {
        if (ProxyV2.ipv4(host) != null) {
            return true;
        }
        if (host.indexOf(':') < 0) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c == ':' || c == '.' || c == '%' || Character.digit(c, 16) >= 0)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Reverse proxy to " + (upstream == null ? "(not configured)" : upstream));
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        InetSocketAddress to = upstream;
        if (to == null) {
            System.getLogger("proxy").log(System.Logger.Level.WARNING, problem);
            ProxySession.plainError(ecb, "502 Bad Gateway", "The proxy has no upstream configured.\n");
            return HseStatus.SUCCESS;
        }
        return new ProxySession(ecb, to, links, lookups).start();
    }

    /** Closes the idle upstream connections (the server closes any still in use at unload). */
    @Override
    public boolean terminateExtension(TerminateMode mode) {
        links.close();
        ExecutorService l = lookups;
        if (l != null) {
            l.shutdownNow();
        }
        return true;
    }
}
