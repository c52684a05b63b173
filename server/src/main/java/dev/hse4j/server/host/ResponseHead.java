package dev.hse4j.server.host;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;

/**
 * An ISAPI status string ({@code "200 OK"}) and header block ({@code "Name: value\r\n...\r\n"}), parsed
 * and checked. hse4j frames the body itself, so a Transfer-Encoding header is refused rather than
 * silently producing a double-chunked body.
 *
 * @param status the status code
 * @param fields the header fields, unmodifiable (a head may be shared: see {@link Cache})
 * @param contentLength the declared Content-Length, or -1
 */
record ResponseHead(int status, List<HttpField> fields, long contentLength) {

    ResponseHead(int status, List<HttpField> fields) {
        this(status, List.copyOf(fields), declaredLength(fields));
    }

    /** @return the Content-Length among {@code fields}, or -1 */
    static long declaredLength(Iterable<HttpField> fields) {
        for (HttpField f : fields) {
            if (f.getHeader() == HttpHeader.CONTENT_LENGTH) {
                return f.getLongValue();
            }
        }
        return -1;
    }

    /**
     * The heads an extension sends most, parsed once: nearly every response of an extension carries the same
     * status and header text, rebuilt as a new string each time. A small table indexed by the text's hash holds
     * the last head parsed for each slot; a hit costs a hash and an equals instead of a parse and its objects,
     * and from the second hit on the head's fields are pre-encoded ({@link #preEncoded()}).
     * Entries are immutable and replaced whole, so readers need no lock (a stale entry is only a miss); long
     * header blocks are not kept, so the table stays small whatever extensions send.
     */
    static final class Cache {
        private static final int SLOTS = 64;
        private static final int LONGEST = 512;
        private final Entry[] entries = new Entry[SLOTS];

        /** @param encoded whether {@code head}'s fields are pre-encoded (from its second use on) */
        private record Entry(String status, String headers, int defaultStatus, ResponseHead head, boolean encoded) { }

        ResponseHead parse(String status, String headers, int defaultStatus) throws IsapiException {
            if (headers == null || headers.length() > LONGEST || status != null && status.length() > LONGEST) {
                return ResponseHead.parse(status, headers, defaultStatus);
            }
            int slot = (headers.hashCode() * 31 + (status == null ? 0 : status.hashCode())) & (SLOTS - 1);
            Entry e = entries[slot];
            if (e != null && e.defaultStatus == defaultStatus && e.headers.equals(headers)
                    && java.util.Objects.equals(e.status, status)) {
                if (!e.encoded) {
                    // Seen twice: worth encoding once (a block that changes every response, such as a computed
                    // Content-Length, never gets here and never pays for it).
                    ResponseHead encoded = e.head.preEncoded();
                    entries[slot] = new Entry(e.status, e.headers, defaultStatus, encoded, true);
                    return encoded;
                }
                return e.head;
            }
            ResponseHead head = ResponseHead.parse(status, headers, defaultStatus); // throws: nothing is kept
            entries[slot] = new Entry(status, headers, defaultStatus, head, false);
            return head;
        }
    }

    /**
     * @return this head with its fields pre-encoded ({@link PreEncodedHttpField}), as a hand-written Jetty
     *     handler keeps its constant headers: the response's header block is then a copy of bytes made once, for
     *     HTTP/1 and HPACK alike, instead of each value checked and copied a character at a time. The
     *     Content-Length stays as it is: Jetty writes that line itself from the number.
     */
    ResponseHead preEncoded() {
        List<HttpField> encoded = new ArrayList<>(fields.size());
        for (HttpField f : fields) {
            encoded.add(f instanceof PreEncodedHttpField || f.getHeader() == HttpHeader.CONTENT_LENGTH ? f
                    : new PreEncodedHttpField(f.getHeader(), f.getName(), f.getValue()));
        }
        return new ResponseHead(status, List.copyOf(encoded), contentLength);
    }

    static ResponseHead parse(String status, String headers, int defaultStatus) throws IsapiException {
        int code = status == null || status.isBlank() ? defaultStatus : parseStatus(status.trim());
        List<HttpField> fields = new ArrayList<>();
        if (headers != null && !headers.isEmpty()) {
            // This runs for every response that sets headers, so it works on indexes into the block: no
            // regex (String.split compiles a Pattern per call) and no per-line substrings beyond name/value.
            // Lines end with CRLF or LF; names and values are trimmed as String.trim() does.
            int start = 0;
            int len = headers.length();
            while (start < len) {
                int nl = headers.indexOf('\n', start);
                int end = nl < 0 ? len : nl;
                int next = nl < 0 ? len : nl + 1;
                if (end > start && headers.charAt(end - 1) == '\r') {
                    end--;
                }
                int lineStart = start;
                start = next;
                if (end == lineStart) {
                    continue;
                }
                // Fast paths for the two lines nearly every response has: no name string, no table lookup.
                if (headers.regionMatches(true, lineStart, "Content-Type:", 0, 13)) {
                    String value = trimmed(headers, lineStart + 13, end);
                    checkValue(value);
                    fields.add(new HttpField(HttpHeader.CONTENT_TYPE, value));
                    continue;
                }
                if (headers.regionMatches(true, lineStart, "Content-Length:", 0, 15)) {
                    fields.add(contentLength(headers, lineStart + 15, end));
                    continue;
                }
                int colon = headers.indexOf(':', lineStart);
                if (colon <= lineStart || colon >= end) {
                    throw new IsapiException(IsapiError.INVALID_PARAMETER,
                            "malformed header line: '" + headers.substring(lineStart, end) + "'");
                }
                String name = trimmed(headers, lineStart, colon);
                String value = trimmed(headers, colon + 1, end);
                checkToken(name);
                checkValue(value);
                if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    throw new IsapiException(IsapiError.INVALID_PARAMETER,
                            "Transfer-Encoding is set by the server; send Content-Length or nothing");
                }
                if (name.equalsIgnoreCase("Content-Length")) { // "Content-Length :" (space before the colon)
                    fields.add(contentLength(headers, colon + 1, end));
                    continue;
                }
                HttpHeader known = HttpHeader.CACHE.get(name);
                fields.add(known != null ? new HttpField(known, value) : new HttpField(name, value));
            }
        }
        return new ResponseHead(code, fields);
    }

    /**
     * The Content-Length line's value, {@code s[from, to)}: decimal digits (surrounding blanks allowed), read
     * in place; Jetty takes the length from the field without parsing the text again.
     */
    private static HttpField contentLength(String s, int from, int to) throws IsapiException {
        while (from < to && s.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && s.charAt(to - 1) <= ' ') {
            to--;
        }
        long length = 0;
        // 18 digits cannot overflow a long; more is no length anyone sends.
        boolean ok = to > from && to - from <= 18;
        for (int i = from; ok && i < to; i++) {
            char c = s.charAt(i);
            ok = c >= '0' && c <= '9';
            length = length * 10 + (c - '0');
        }
        String value = s.substring(from, to);
        if (!ok) {
            checkValue(value); // a control character gets its own message
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad Content-Length: " + value);
        }
        return new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, HttpHeader.CONTENT_LENGTH.asString(), value,
                length);
    }

    /** @return {@code s.substring(from, to).trim()}, without the intermediate string */
    private static String trimmed(String s, int from, int to) {
        while (from < to && s.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && s.charAt(to - 1) <= ' ') {
            to--;
        }
        return s.substring(from, to);
    }

    private static int parseStatus(String s) throws IsapiException {
        String t = s;
        if (t.regionMatches(true, 0, "HTTP/", 0, 5)) {
            int sp = t.indexOf(' ');
            t = sp < 0 ? "" : t.substring(sp + 1).trim();
        }
        int end = 0;
        while (end < t.length() && t.charAt(end) >= '0' && t.charAt(end) <= '9') {
            end++;
        }
        if (end != 3) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad status line: '" + s + "'");
        }
        int code = (t.charAt(0) - '0') * 100 + (t.charAt(1) - '0') * 10 + (t.charAt(2) - '0');
        if (code < 100) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad status code: " + code);
        }
        return code;
    }

    /** RFC 9110 tchar: the characters a header name may hold. */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '!'; c < 127; c++) {
            TOKEN[c] = "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
        }
    }

    private static void checkToken(String name) throws IsapiException {
        if (name.isEmpty()) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 127 || !TOKEN[c]) {
                throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad header name: '" + name + "'");
            }
        }
    }

    static void checkValue(String value) throws IsapiException {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < ' ' && c != '\t') || c == 127) {
                throw new IsapiException(IsapiError.INVALID_PARAMETER, "control character in header value");
            }
        }
    }
}
