package dev.hse4j.server.async.nb;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.IsapiException;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A non-blocking extension that answers with synchronous writes only.
 * <ul>
 * <li>{@code /ext/nbw/write?total=N&chunk=C&id=X}: N bytes of {@code i mod 251} in synchronous writes of C bytes
 *     from ONE buffer, overwritten before each write (so a write that kept a reference to it would send wrong
 *     bytes). What happened is recorded under X: {@code ok <bytes> <thread>} or {@code error <code> <bytes>}.
 *     With {@code &after=1}, once the body is complete, an empty write and a one-byte write follow, recorded as
 *     {@code empty=<returned> extra=<error code or 0>}.</li>
 * <li>{@code /ext/nbw/where}: {@code network} if the procedure runs inside Jetty's own call of the handler (no hand-off),
 *     else {@code worker}.</li>
 * <li>{@code /ext/nbw/result?id=X}: what was recorded under X, or {@code none}.</li>
 * </ul>
 */
@ExtensionSettings(name = "nbw", nonBlocking = true)
public final class NbWriterExtension implements HttpExtension {

    static final Map<String, String> RESULTS = new ConcurrentHashMap<>();

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("non-blocking synchronous writer");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        return NbWriter.serve(ecb, RESULTS);
    }

    /** The shared procedure (also used by the blocking twin). */
    public static final class NbWriter {
        private NbWriter() {
        }

        static HseStatus serve(ExtensionControlBlock ecb, Map<String, String> results) throws Exception {
            Map<String, String> q = query(ecb.queryString());
            switch (ecb.pathInfo()) {
                case "/where" -> {
                    return text(ecb, where());
                }
                case "/result" -> {
                    return text(ecb, results.getOrDefault(q.get("id"), "none"));
                }
                default -> {
                    long total = Long.parseLong(q.get("total"));
                    int chunk = Integer.parseInt(q.get("chunk"));
                    String id = q.get("id");
                    long sent = 0;
                    try {
                        ecb.sendResponseHeader("200 OK", "Content-Type: application/octet-stream\r\nContent-Length: "
                                + total + "\r\n\r\n");
                        byte[] buf = new byte[chunk];
                        while (sent < total) {
                            int n = (int) Math.min(chunk, total - sent);
                            for (int i = 0; i < n; i++) {
                                buf[i] = (byte) ((sent + i) % 251);
                            }
                            ecb.writeClient(java.nio.ByteBuffer.wrap(buf, 0, n));
                            sent += n;
                        }
                        String after = "";
                        if (q.containsKey("after")) {
                            // The body is complete: an empty write sends nothing; one more byte is refused.
                            int empty = ecb.writeClient(new byte[0]);
                            int extra;
                            try {
                                ecb.writeClient(new byte[] {'x'});
                                extra = 0;
                            } catch (IsapiException e) {
                                extra = e.errorCode();
                            }
                            after = " empty=" + empty + " extra=" + extra;
                        }
                        results.put(id, "ok " + sent + " " + where() + after);
                        return HseStatus.SUCCESS;
                    } catch (IsapiException e) {
                        results.put(id, "error " + e.errorCode() + " " + sent);
                        return HseStatus.ERROR;
                    }
                }
            }
        }

        private static String where() {
            for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
                if (e.getClassName().startsWith("org.eclipse.jetty.server.internal.HttpChannelState$HandlerInvoker")) {
                    return "network";
                }
            }
            return "worker";
        }

        private static HseStatus text(ExtensionControlBlock ecb, String s) throws Exception {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            ecb.sendResponseHeader("200 OK", "Content-Type: text/plain\r\nContent-Length: " + b.length + "\r\n\r\n");
            ecb.writeClient(b);
            return HseStatus.SUCCESS;
        }

        private static Map<String, String> query(String qs) {
            Map<String, String> m = new ConcurrentHashMap<>();
            for (String kv : qs.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return m;
        }
    }
}
