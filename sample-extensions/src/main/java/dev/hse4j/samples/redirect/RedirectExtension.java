package dev.hse4j.samples.redirect;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.IsapiException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /ext/redirect?to=/path}: 302 to a path on this same site, and nowhere else (no open
 * redirect).
 *
 * <p>"Starts with {@code /}" is not enough: browsers read {@code //evil.example/} and {@code /\evil.example/}
 * as another host, and drop tabs and newlines before they look ({@code /<TAB>/evil.example/} is
 * {@code //evil.example/}). So the target, once decoded, may hold only the characters RFC 3986 allows in a
 * path, query and fragment (letters, digits, {@code -._~!$&'()*+,;=:@/?#} and {@code %XX} escapes); its
 * first character is {@code /} and its second neither {@code /} nor {@code \}. Anything else (absolute
 * URLs, backslashes, control characters, spaces, non-ASCII) is a 400 that says what is accepted.
 */
public final class RedirectExtension implements HttpExtension {

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Redirect: 302 to ?to=/path (same site only)");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        String to = null;
        for (String pair : ecb.queryString().split("&")) {
            if (pair.startsWith("to=")) {
                try {
                    to = URLDecoder.decode(pair.substring(3), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return badRequest(ecb); // a broken %-escape
                }
            }
        }
        if (to == null || !isSameSitePath(to)) {
            return badRequest(ecb);
        }
        ecb.sendUrlRedirect(to);
        return HseStatus.SUCCESS;
    }

    /**
     * @param to a decoded redirect target
     * @return whether it is a path on this site that every browser resolves to this site
     */
    static boolean isSameSitePath(String to) {
        if (to.isEmpty() || to.charAt(0) != '/') {
            return false; // relative or absolute URLs (http:, javascript:, ...) are not accepted
        }
        if (to.length() > 1 && (to.charAt(1) == '/' || to.charAt(1) == '\\')) {
            return false; // "//host" and "/\host" are network-path references: another site
        }
        for (int i = 0; i < to.length(); i++) {
            char c = to.charAt(i);
            if (c == '%') {
                if (i + 2 >= to.length() || !isHex(to.charAt(i + 1)) || !isHex(to.charAt(i + 2))) {
                    return false;
                }
            } else if (!isUrlChar(c)) {
                return false; // backslashes, control characters, spaces, quotes, non-ASCII
            }
        }
        return true;
    }

    private static boolean isUrlChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || "-._~!$&'()*+,;=:@/?#".indexOf(c) >= 0;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static HseStatus badRequest(ExtensionControlBlock ecb) throws IsapiException {
        byte[] body = ("use ?to=/a/path/on/this/site (percent-encoded; no scheme or host, no backslash,"
                + " no control characters, not starting with // )\n").getBytes(StandardCharsets.US_ASCII);
        ecb.sendResponseHeader("400 Bad Request", "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n");
        ecb.writeClient(body);
        return HseStatus.SUCCESS;
    }
}
