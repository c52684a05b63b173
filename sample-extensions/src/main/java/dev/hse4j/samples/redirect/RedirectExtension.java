package dev.hse4j.samples.redirect;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** {@code GET /ext/redirect?to=/path}: 302 to a local path (only local paths: no open redirect). */
public final class RedirectExtension implements HttpExtension {

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Redirect: 302 to ?to=/path");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        String to = null;
        for (String pair : ecb.queryString().split("&")) {
            if (pair.startsWith("to=")) {
                to = URLDecoder.decode(pair.substring(3), StandardCharsets.UTF_8);
            }
        }
        if (to == null || !to.startsWith("/") || to.startsWith("//")) {
            byte[] body = "use ?to=/a/local/path\n".getBytes(StandardCharsets.US_ASCII);
            ecb.sendResponseHeader("400 Bad Request", "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n");
            ecb.writeClient(body);
            return HseStatus.SUCCESS;
        }
        ecb.sendUrlRedirect(to);
        return HseStatus.SUCCESS;
    }
}
