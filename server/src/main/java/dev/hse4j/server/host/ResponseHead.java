package dev.hse4j.server.host;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
            for (String line : headers.split("\r?\n", -1)) {
                if (line.isEmpty()) {
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new IsapiException(IsapiError.INVALID_PARAMETER, "malformed header line: '" + line + "'");
                }
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                checkToken(name);
                checkValue(value);
                if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    throw new IsapiException(IsapiError.INVALID_PARAMETER,
                            "Transfer-Encoding is set by the server; send Content-Length or nothing");
                }
                if (name.equalsIgnoreCase("Content-Length")) {
                    try {
                        if (Long.parseLong(value) < 0) {
                            throw new NumberFormatException();
                        }
                    } catch (NumberFormatException e) {
                        throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad Content-Length: " + value);
                    }
                }
                HttpHeader known = HttpHeader.CACHE.get(name);
                fields.add(known != null ? new HttpField(known, value) : new HttpField(name, value));
            }
        }
        return new ResponseHead(code, fields);
    }

    private static int parseStatus(String s) throws IsapiException {
        String t = s;
        if (t.toUpperCase(Locale.ROOT).startsWith("HTTP/")) {
            int sp = t.indexOf(' ');
            t = sp < 0 ? "" : t.substring(sp + 1).trim();
        }
        int end = 0;
        while (end < t.length() && Character.isDigit(t.charAt(end))) {
            end++;
        }
        if (end != 3) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad status line: '" + s + "'");
        }
        int code = Integer.parseInt(t.substring(0, 3));
        if (code < 100) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad status code: " + code);
        }
        return code;
    }

    private static void checkToken(String name) throws IsapiException {
        if (name.isEmpty()) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
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
