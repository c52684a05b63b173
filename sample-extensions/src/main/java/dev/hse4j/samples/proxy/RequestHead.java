package dev.hse4j.samples.proxy;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.IsapiException;

import java.util.Arrays;

/**
 * The request head as it goes upstream: request line with the path below the extension's mount, the
 * client's header lines except the hop-by-hop ones, and the body's framing. Written straight into bytes
 * from {@code ALL_RAW}, one pass, no string per line (this runs for every request).
 */
final class RequestHead {

    /** Headers that describe the client connection, not the request (and the length, which is set again). */
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "expect", "content-length"};

    private byte[] b;
    private int n;

    private RequestHead(int capacity) {
        b = new byte[capacity];
    }

    /**
     * @param ecb the request
     * @param chunkedUpload the body's length is unknown: it goes up chunked
     * @return the head's bytes, ending with the blank line
     * @throws IsapiException if a server variable cannot be read
     */
    static byte[] of(ExtensionControlBlock ecb, boolean chunkedUpload) throws IsapiException {
        String script = ecb.getServerVariable("SCRIPT_NAME");
        String uri = ecb.getServerVariable("REQUEST_URI");
        String raw = ecb.getServerVariable("ALL_RAW");
        RequestHead h = new RequestHead(uri.length() + raw.length() + 96);
        h.text(ecb.method()).put('\u0020');
        int from = uri.startsWith(script) ? script.length() : 0;
        if (from == uri.length() || uri.charAt(from) == '?') {
            h.put('/');
        }
        h.text(uri, from, uri.length()).text(" HTTP/1.1\r\n"); // HTTP/1.1: the upstream connection is kept
        boolean hasLength = false;
        int start = 0;
        int len = raw.length();
        while (start < len) {
            int nl = raw.indexOf('\n', start);
            int end = nl < 0 ? len : nl;
            int lineEnd = end > start && raw.charAt(end - 1) == '\r' ? end - 1 : end;
            int colon = raw.indexOf(':', start);
            if (colon > start && colon < lineEnd) {
                int ns = start;
                int ne = colon;
                while (ns < ne && raw.charAt(ns) <= ' ') {
                    ns++;
                }
                while (ne > ns && raw.charAt(ne - 1) <= ' ') {
                    ne--;
                }
                int which = hopByHop(raw, ns, ne);
                hasLength |= which == HOP_BY_HOP.length - 1;
                if (which < 0) {
                    h.text(raw, start, lineEnd).text("\r\n");
                }
            }
            start = end + 1;
        }
        if (chunkedUpload) {
            h.text("Transfer-Encoding: chunked\r\n");
        } else if (hasLength || ecb.totalBytes() > 0) {
            h.text("Content-Length: ").text(Long.toString(ecb.totalBytes())).text("\r\n");
        }
        h.text("\r\n");
        return Arrays.copyOf(h.b, h.n);
    }

    /** @return the index in {@link #HOP_BY_HOP} of the header name {@code s[from, to)}, or -1 */
    private static int hopByHop(String s, int from, int to) {
        int length = to - from;
        for (int i = 0; i < HOP_BY_HOP.length; i++) {
            String name = HOP_BY_HOP[i];
            if (name.length() == length && s.regionMatches(true, from, name, 0, length)) {
                return i;
            }
        }
        return -1;
    }

    private RequestHead put(char c) {
        if (n == b.length) {
            b = Arrays.copyOf(b, b.length * 2);
        }
        b[n++] = c <= 0xFF ? (byte) c : (byte) '?';
        return this;
    }

    private RequestHead text(String s) {
        return text(s, 0, s.length());
    }

    /** Latin-1, as the head arrived ({@code ?} for anything beyond it). */
    private RequestHead text(String s, int from, int to) {
        if (n + (to - from) > b.length) {
            b = Arrays.copyOf(b, Math.max(b.length * 2, n + (to - from)));
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            b[n++] = c <= 0xFF ? (byte) c : (byte) '?';
        }
        return this;
    }
}
