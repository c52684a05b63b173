package dev.hse4j.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads HTTP/1.1 responses off a connection: head, then the body by Content-Length, chunks or close. */
final class ResponseReader {

    private final InputStream in;
    private long remaining;          // Content-Length bytes still to read, or -1
    private boolean chunkedBody;
    private long chunkLeft;          // bytes left in the current chunk
    private boolean untilClose;
    private boolean done = true;

    ResponseReader(InputStream in) {
        this.in = in;
    }

    /**
     * Reads the status line and headers (skipping 1xx interim responses).
     *
     * @param head whether the request was HEAD (no body follows)
     */
    TestResponse readHead(boolean head) throws IOException {
        while (true) {
            String statusLine = line();
            if (statusLine == null) {
                throw new EOFException("the server closed the connection before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP status line: '" + statusLine + "'");
            }
            int status = Integer.parseInt(parts[1]);
            String reason = parts.length > 2 ? parts[2] : "";
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            String l;
            while ((l = line()) != null && !l.isEmpty()) {
                int c = l.indexOf(':');
                headers.add(new AbstractMap.SimpleImmutableEntry<>(l.substring(0, c).trim(), l.substring(c + 1).trim()));
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            TestResponse r = new TestResponse(status, reason, List.copyOf(headers), new byte[0],
                    "chunked".equalsIgnoreCase(value(headers, "Transfer-Encoding")));
            String cl = value(headers, "Content-Length");
            chunkedBody = false;
            untilClose = false;
            remaining = -1;
            if (head || status == 204 || status == 304) {
                remaining = 0;
            } else if (r.chunked()) {
                chunkedBody = true;
                chunkLeft = 0;
            } else if (cl != null) {
                remaining = Long.parseLong(cl);
            } else {
                untilClose = true;
            }
            done = remaining == 0;
            return r;
        }
    }

    private static String value(List<Map.Entry<String, String>> headers, String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    /** @return whether the current response's body has been read to its end */
    boolean bodyDone() {
        return done;
    }

    /**
     * Reads up to {@code max} body bytes, at least one unless the body is over.
     *
     * @return the bytes; empty at the end of the body
     */
    byte[] readBody(int max) throws IOException {
        if (done || max <= 0) {
            return new byte[0];
        }
        if (chunkedBody) {
            if (chunkLeft == 0) {
                String size = line();
                if (size == null) {
                    throw new EOFException("the connection closed inside a chunked body");
                }
                int semi = size.indexOf(';');
                chunkLeft = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (chunkLeft == 0) {
                    String t;
                    while ((t = line()) != null && !t.isEmpty()) {
                        // trailers: ignored
                    }
                    done = true;
                    return new byte[0];
                }
            }
            byte[] b = readSome((int) Math.min(max, chunkLeft), true);
            chunkLeft -= b.length;
            if (chunkLeft == 0) {
                line(); // the CRLF after the chunk
            }
            return b;
        }
        if (untilClose) {
            byte[] b = readSome(max, false);
            if (b.length == 0) {
                done = true;
            }
            return b;
        }
        byte[] b = readSome((int) Math.min(max, remaining), true);
        remaining -= b.length;
        done = remaining == 0;
        return b;
    }

    /** Reads the rest of the body. */
    byte[] readRest() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!done) {
            out.writeBytes(readBody(64 * 1024));
        }
        return out.toByteArray();
    }

    private byte[] readSome(int max, boolean eofIsError) throws IOException {
        byte[] buf = new byte[max];
        int n = in.read(buf, 0, max);
        if (n < 0) {
            if (eofIsError) {
                throw new EOFException("the connection closed before the end of the body");
            }
            return new byte[0];
        }
        return n == max ? buf : java.util.Arrays.copyOf(buf, n);
    }

    /** @return whether the server closed the connection (EOF) */
    boolean atEof() throws IOException {
        return in.read() < 0;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
