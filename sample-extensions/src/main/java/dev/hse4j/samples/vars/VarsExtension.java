package dev.hse4j.samples.vars;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.IsapiException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /ext/vars}: every server variable as {@code NAME=value} lines;
 * {@code GET /ext/vars?name=X}: X's value, or 404 with the ISAPI error code (1413 unknown, 232 no value).
 * {@code HSE_CONNECTION_CONTEXT} shows the connection's admission context (see the {@code tokenbucket}
 * sample hook); {@code GET /ext/vars?context} shows the context object itself through
 * {@link ExtensionControlBlock#connectionContext()}: its class (a JDK type) and identity.
 */
public final class VarsExtension implements HttpExtension {

    /** The variables listed by {@code GET /ext/vars}. */
    static final String[] NAMES = {
        "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO", "PATH_TRANSLATED",
        "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_USER", "REQUEST_METHOD", "SCRIPT_NAME", "SERVER_NAME",
        "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "URL", "HTTP_URL", "HTTP_VERSION", "LOCAL_ADDR",
        "REMOTE_PORT", "SERVER_PORT_SECURE", "HTTPS", "HTTPS_KEYSIZE", "HTTPS_SECRETKEYSIZE", "HTTPS_SERVER_ISSUER",
        "HTTPS_SERVER_SUBJECT", "CERT_FLAGS", "CERT_SUBJECT", "CERT_ISSUER", "INSTANCE_ID", "APPL_MD_PATH",
        "APPL_PHYSICAL_PATH", "APP_POOL_ID", "ALL_HTTP", "ALL_RAW",
        // hse4j: the context the connection's admission hook gave it (232 when none did)
        "HSE_CONNECTION_CONTEXT",
    };

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Vars: shows the server variables");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        String name = param(ecb.queryString(), "name");
        StringBuilder out = new StringBuilder();
        String status = "200 OK";
        if (param(ecb.queryString(), "context") != null) {
            Object c = ecb.connectionContext(); // the same object on every request of this connection
            out.append(c == null ? "no context" : c.getClass().getName() + "@" + Integer.toHexString(
                    System.identityHashCode(c)) + " " + c);
        } else if (name != null) {
            try {
                out.append(ecb.getServerVariable(name));
            } catch (IsapiException e) {
                status = "404 Not Found";
                out.append(e.errorCode()).append(' ').append(e.getMessage());
            }
        } else {
            for (String n : NAMES) {
                String v;
                try {
                    v = ecb.getServerVariable(n);
                } catch (IsapiException e) {
                    v = "(" + e.errorCode() + ")";
                }
                out.append(n).append('=').append(v.replace("\r\n", "\\r\\n")).append('\n');
            }
        }
        byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
        ecb.sendResponseHeader(status, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length + "\r\n");
        ecb.writeClient(body);
        return HseStatus.SUCCESS;
    }

    static String param(String query, String key) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (k.equals(key)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
