package dev.hse4j.samples.proxy;

import java.nio.charset.StandardCharsets;

/**
 * The upstream's response head, parsed from its bytes in one pass: the status for
 * {@code sendResponseHeader}, the header lines passed on to the client (without the hop-by-hop ones and
 * without {@code Date}: the client gets hse4j's own), and how the body is framed.
 */
final class ResponseHead {

    /** Dropped on the way to the client: they describe the upstream connection (Content-Length is kept). */
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "expect", "date"};
    private static final byte[] HTTP_1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    /** e.g. {@code 200 OK} */
    String status;
    int code;
    /** Header lines for the client, each ending in CRLF. */
    String headers;
    /** The Content-Length, or -1. */
    long length = -1;
    boolean chunked;
    /** The upstream said {@code Connection: close}, or spoke HTTP/1.0 without keep-alive. */
    boolean closes;

    private ResponseHead() {
    }

    /**
     * @param h the bytes
     * @param end where the head ends: the index of its blank line's CRLFCRLF
     * @return the head, or {@code null} if it is not a valid HTTP/1.x response head
     */
    static ResponseHead parse(byte[] h, int end) {
        int eol = lineEnd(h, 0, end);
        // "HTTP/1.x SSS[ reason]"
        if (eol < 12 || !startsWith(h, HTTP_1) || h[8] != ' ' || !digit(h[9], '1', '5') || !digit(h[10], '0', '9')
                || !digit(h[11], '0', '9') || (eol > 12 && h[12] != ' ')) {
            return null;
        }
        ResponseHead r = new ResponseHead();
        r.code = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
        boolean http10 = h[7] == '0';
        int reason = Math.min(eol, 13);
        int reasonEnd = trimEnd(h, reason, eol);
        r.status = reasonEnd <= reason ? Integer.toString(r.code)
                : r.code == 200 && reasonEnd - reason == 2 && h[reason] == 'O' && h[reason + 1] == 'K' ? "200 OK"
                : new String(h, 9, reasonEnd - 9, StandardCharsets.ISO_8859_1);
        Out out = new Out(end - eol + 16);
        boolean keepAlive = false;
        int contentLengthAt = -1; // where the Content-Length line starts in out (dropped again if chunked)
        int contentLengthEnd = -1;
        int pos = next(h, eol, end);
        while (pos < end) {
            int le = lineEnd(h, pos, end);
            int colon = indexOf(h, (byte) ':', pos, le);
            if (colon <= pos) {
                return null;
            }
            int ne = trimEnd(h, pos, colon);
            int vs = trimStart(h, colon + 1, le);
            int ve = trimEnd(h, vs, le);
            int nameLength = ne - pos;
            if (is(h, pos, nameLength, "content-length")) {
                long l = parseLength(h, vs, ve);
                if (l < 0 || (r.length >= 0 && r.length != l)) {
                    return null;
                }
                r.length = l;
                if (contentLengthAt < 0) { // a repeated equal length is passed on once
                    contentLengthAt = out.n;
                    out.line(h, pos, ne, vs, ve);
                    contentLengthEnd = out.n;
                }
            } else {
                if (is(h, pos, nameLength, "transfer-encoding")) {
                    r.chunked = ve - vs >= 7 && regionMatches(h, ve - 7, "chunked");
                } else if (is(h, pos, nameLength, "connection")) {
                    r.closes |= contains(h, vs, ve, "close");
                    keepAlive |= contains(h, vs, ve, "keep-alive");
                }
                if (!hopByHop(h, pos, nameLength)) {
                    out.line(h, pos, ne, vs, ve);
                }
            }
            pos = next(h, le, end);
        }
        r.closes |= http10 && !keepAlive;
        if (r.chunked && contentLengthAt >= 0) { // chunked wins; the length would lie to the client
            out.delete(contentLengthAt, contentLengthEnd);
        }
        r.headers = new String(out.b, 0, out.n, StandardCharsets.ISO_8859_1);
        return r;
    }

    /** @return the index of the first CRLFCRLF in {@code h[0, n)}, or -1 */
    static int blankLine(byte[] h, int n) {
        for (int i = 0; i + 3 < n; i++) {
            if (h[i] == '\r' && h[i + 1] == '\n' && h[i + 2] == '\r' && h[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The header lines for the client, as Latin-1 bytes copied a run at a time and made a String once (a
     * StringBuilder appended char by char was ~40 % of this parse, which runs for every proxied response).
     */
    private static final class Out {
        byte[] b;
        int n;

        Out(int capacity) {
            b = new byte[capacity];
        }

        /** Appends {@code name: value CRLF} from {@code h[ns, ne)} and {@code h[vs, ve)}. */
        void line(byte[] h, int ns, int ne, int vs, int ve) {
            int need = n + (ne - ns) + (ve - vs) + 4;
            if (need > b.length) {
                b = java.util.Arrays.copyOf(b, Math.max(need, b.length * 2));
            }
            System.arraycopy(h, ns, b, n, ne - ns);
            n += ne - ns;
            b[n++] = ':';
            b[n++] = ' ';
            System.arraycopy(h, vs, b, n, ve - vs);
            n += ve - vs;
            b[n++] = '\r';
            b[n++] = '\n';
        }

        /** Removes {@code b[from, to)}. */
        void delete(int from, int to) {
            System.arraycopy(b, to, b, from, n - to);
            n -= to - from;
        }
    }

    /** @return the end of the line starting at {@code from} (before its CR or LF) */
    private static int lineEnd(byte[] h, int from, int end) {
        int i = from;
        while (i < end && h[i] != '\n' && h[i] != '\r') {
            i++;
        }
        return i;
    }

    /** @return the start of the line after the one ending at {@code le} */
    private static int next(byte[] h, int le, int end) {
        int i = le;
        if (i < end && h[i] == '\r') {
            i++;
        }
        if (i < end && h[i] == '\n') {
            i++;
        }
        return i;
    }

    private static int indexOf(byte[] h, byte c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (h[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static int trimStart(byte[] h, int from, int to) {
        while (from < to && (h[from] == ' ' || h[from] == '\t')) {
            from++;
        }
        return from;
    }

    private static int trimEnd(byte[] h, int from, int to) {
        while (to > from && (h[to - 1] == ' ' || h[to - 1] == '\t')) {
            to--;
        }
        return to;
    }

    private static boolean digit(byte b, char lo, char hi) {
        return b >= lo && b <= hi;
    }

    private static boolean startsWith(byte[] h, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (h[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@code h[from, from + length)} is {@code lower}, ignoring ASCII case */
    private static boolean is(byte[] h, int from, int length, String lower) {
        return length == lower.length() && regionMatches(h, from, lower);
    }

    private static boolean regionMatches(byte[] h, int from, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            int c = h[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(byte[] h, int from, int to, String lower) {
        for (int i = from; i + lower.length() <= to; i++) {
            if (regionMatches(h, i, lower)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hopByHop(byte[] h, int from, int length) {
        for (String name : HOP_BY_HOP) {
            if (is(h, from, length, name)) {
                return true;
            }
        }
        return false;
    }

    /** @return the decimal value, or -1 if it is not one (or absurdly long) */
    private static long parseLength(byte[] h, int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            if (h[i] < '0' || h[i] > '9') {
                return -1;
            }
            v = v * 10 + (h[i] - '0');
        }
        return v;
    }
}
