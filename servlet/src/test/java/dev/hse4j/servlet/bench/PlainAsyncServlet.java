package dev.hse4j.servlet.bench;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The comparison of bench/servlet: what an engineer would write instead of hse4j, a plain asynchronous servlet
 * writing the same bytes through a {@link WriteListener}. {@code /hello}: the hello sample's 18 bytes;
 * {@code /stream?bytes=N}: N bytes of the stream sample's pattern (byte i = i mod 251) in 1 MiB writes.
 */
public final class PlainAsyncServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final byte[] HELLO = "Hello from hse4j!\n".getBytes(StandardCharsets.US_ASCII);
    static final int CHUNK = 1024 * 1024;
    /** A 1 MiB window of the pattern per offset mod 251; {@code PATTERN[o]} starts at byte value o. */
    private static final byte[][] PATTERN = new byte[251][];

    static {
        for (int o = 0; o < 251; o++) {
            byte[] b = new byte[CHUNK];
            for (int i = 0; i < CHUNK; i++) {
                b[i] = (byte) ((o + i) % 251);
            }
            PATTERN[o] = b;
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        long total;
        if (path.equals("/hello")) {
            total = -1;
            resp.setContentType("text/plain;charset=us-ascii");
            resp.setContentLength(HELLO.length);
        } else if (path.equals("/stream")) {
            String q = req.getQueryString();
            total = q != null && q.startsWith("bytes=") ? Long.parseLong(q.substring(6).split("&")[0]) : 0;
            resp.setContentType("application/octet-stream");
            resp.setContentLengthLong(total);
        } else {
            resp.sendError(404);
            return;
        }
        AsyncContext ac = req.startAsync();
        ServletOutputStream out = resp.getOutputStream();
        out.setWriteListener(new WriteListener() {
            private long sent;
            private boolean done;

            @Override
            public void onWritePossible() throws IOException {
                while (out.isReady()) {
                    if (done) {
                        ac.complete();
                        return;
                    }
                    if (total < 0) {
                        out.write(HELLO);
                        done = true;
                        continue;
                    }
                    if (sent >= total) {
                        done = true;
                        continue;
                    }
                    int n = (int) Math.min(CHUNK, total - sent);
                    out.write(PATTERN[(int) (sent % 251)], 0, n);
                    sent += n;
                }
            }

            @Override
            public void onError(Throwable t) {
                ac.complete();
            }
        });
    }
}
