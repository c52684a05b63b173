package dev.hse4j.samples.stream;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.IsapiException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /ext/stream?bytes=N&chunk=K}: exactly N bytes of the pattern {@code byte[i] = i mod 251},
 * with Content-Length N, written by asynchronous writes of K bytes, each started from the previous one's
 * completion. Shows PENDING, ioCompletion, writeClientAsync and doneWithSession.
 *
 * <p>Memory: K is bounded ({@link #MAX_CHUNK}), and every write is a read-only slice of one pattern
 * buffer that the extension fills once, at load: a request costs no buffer of its own, however large K and
 * however many clients read slowly. Sharing is safe because nobody ever changes the buffer (the server only
 * reads the bytes of a buffer it is given).
 */
public final class StreamExtension implements HttpExtension {

    /** The pattern's period: a prime, so no power-of-two chunking lines up with it. */
    public static final int PERIOD = 251;
    /** The largest K: one write of 1 MiB already keeps the network busy; bigger only holds memory longer. */
    public static final int MAX_CHUNK = 1024 * 1024;

    // pattern[i] = i mod 251, long enough for a chunk of MAX_CHUNK starting at any offset of the period.
    // Filled once and never written again: every request's writes are read-only slices of it.
    private final ByteBuffer pattern = makePattern();

    private static ByteBuffer makePattern() {
        byte[] p = new byte[MAX_CHUNK + PERIOD];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i % PERIOD);
        }
        return ByteBuffer.wrap(p).asReadOnlyBuffer();
    }

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Stream: N bytes of i mod 251, in chained async writes");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        long bytes;
        int chunk;
        try {
            bytes = Long.parseLong(param(ecb.queryString(), "bytes", "0"));
            chunk = Integer.parseInt(param(ecb.queryString(), "chunk", "65536"));
        } catch (NumberFormatException e) {
            return badRequest(ecb);
        }
        if (bytes < 0 || chunk <= 0 || chunk > MAX_CHUNK) {
            return badRequest(ecb);
        }
        ecb.sendResponseHeader("200 OK", "Content-Type: application/octet-stream\r\nContent-Length: " + bytes + "\r\n");
        if (bytes == 0) {
            return HseStatus.SUCCESS;
        }
        Writer w = new Writer(pattern, bytes, chunk);
        ecb.ioCompletion(Writer::onCompletion, w);
        w.next(ecb);
        return HseStatus.PENDING;
    }

    /** One response's progress; the completion context. */
    private static final class Writer {
        private final long total;
        private final int chunk;
        private final ByteBuffer pattern;
        private long sent;

        Writer(ByteBuffer pattern, long total, int chunk) {
            this.pattern = pattern;
            this.total = total;
            this.chunk = (int) Math.min(chunk, total);
        }

        void next(ExtensionControlBlock ecb) throws IsapiException {
            int n = (int) Math.min(chunk, total - sent);
            // A fresh view (position and limit of its own) on the shared bytes: no copy, no allocation of data.
            ecb.writeClientAsync(pattern.slice((int) (sent % PERIOD), n));
        }

        static void onCompletion(Completion c) {
            Writer w = (Writer) c.context();
            ExtensionControlBlock ecb = c.ecb();
            try {
                if (!c.isSuccess()) {
                    ecb.doneWithSession(HseStatus.ERROR);
                    return;
                }
                w.sent += c.bytesTransferred();
                if (w.sent < w.total) {
                    w.next(ecb);
                } else {
                    ecb.doneWithSession(HseStatus.SUCCESS_AND_KEEP_CONN);
                }
            } catch (IsapiException e) {
                try {
                    ecb.doneWithSession(HseStatus.ERROR);
                } catch (IsapiException ignored) {
                    // already ended
                }
            }
        }
    }

    private static HseStatus badRequest(ExtensionControlBlock ecb) throws IsapiException {
        byte[] body = ("use ?bytes=N&chunk=K (N >= 0, 0 < K <= " + MAX_CHUNK + ")\n").getBytes(StandardCharsets.US_ASCII);
        ecb.sendResponseHeader("400 Bad Request", "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n");
        ecb.writeClient(body);
        return HseStatus.SUCCESS;
    }

    static String param(String query, String key, String dflt) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(key + "=")) {
                return pair.substring(key.length() + 1);
            }
        }
        return dflt;
    }
}
