package dev.hse4j.samples.proxy;

import dev.hse4j.api.ExtensionContext;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.net.InetSocketAddress;

/**
 * A reverse proxy: {@code /ext/proxy/<path>} is forwarded to {@code <upstream>/<path>}.
 *
 * <p>The operator names the upstream and allows the extension to reach it:
 * <pre>
 *   --ext-setting proxy.upstream=127.0.0.1:8081 --outbound-allow-ext proxy=127.0.0.1:8081
 * </pre>
 * Each request opens one upstream connection with {@code connectEx}; its first data (in the SYN where TCP
 * Fast Open works) is the PROXY header of the client connection followed by the request head, so the
 * upstream sees who the client is: when hse4j itself sits behind a trusted balancer
 * ({@code --proxy-protocol}), the client connection's redirect record exactly as the balancer sent it
 * (which is why this extension asks for {@code redirectRecords}); otherwise a PROXY v2 header built from
 * the client connection's addresses. The body then streams up and the response streams down through two
 * 64 KB buffers, never a whole message; see {@link ProxySession}.
 */
@ExtensionSettings(redirectRecords = true)
public final class ProxyExtension implements HttpExtension {

    private volatile InetSocketAddress upstream;
    private volatile String problem = "no upstream configured (--ext-setting proxy.upstream=HOST:PORT)";

    @Override
    public void attach(ExtensionContext context) {
        String u = context.setting("upstream");
        if (u == null) {
            return;
        }
        int colon = u.lastIndexOf(':');
        try {
            String host = u.substring(0, colon).replace("[", "").replace("]", "");
            upstream = InetSocketAddress.createUnresolved(host, Integer.parseInt(u.substring(colon + 1)));
            problem = null;
        } catch (RuntimeException e) {
            problem = "the upstream setting is not HOST:PORT";
        }
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
        return new ProxySession(ecb, to).start();
    }
}
