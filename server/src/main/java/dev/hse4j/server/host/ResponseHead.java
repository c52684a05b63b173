package dev.hse4j.server.host;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;

/**
 * An ISAPI status string ({@code "200 OK"}) and header block ({@code "Name: value\r\n...\r\n"}), parsed
 * and checked. hse4j frames the body itself, so a Transfer-Encoding header is refused rather than
 * silently producing a double-chunked body.
 */
record ResponseHead(int status, List<HttpField> fields) {

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
                if (name.equalsIgnoreCase("Content-Length")) {
                    long length;
                    try {
                        length = Long.parseLong(value);
                        if (length < 0) {
                            throw new NumberFormatException();
                        }
                    } catch (NumberFormatException e) {
                        throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad Content-Length: " + value);
                    }
                    // Jetty reads the length from this field without parsing the text again.
                    fields.add(new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, value, length));
                    continue;
                }
                HttpHeader known = HttpHeader.CACHE.get(name);
                fields.add(known != null ? new HttpField(known, value) : new HttpField(name, value));
            }
        }
        return new ResponseHead(code, fields);
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
