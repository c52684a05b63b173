package dev.hse4j.server.web;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HSE_REQ_NORMALIZE_URL: a URL path in the canonical form the server itself sees: percent-escapes decoded
 * (strict UTF-8, so the overlong {@code %c0%ae} is refused, not guessed at), backslashes taken as slashes,
 * repeated slashes folded, {@code .} and {@code ..} resolved. A query is kept as it is.
 */
public final class UrlNormalizer {

    /** A URL that has no normal form (climbs above the root, control characters, bad escapes). */
    public static final class BadUrlException extends Exception {
        private static final long serialVersionUID = 1L;

        BadUrlException(String message) {
            super(message);
        }
    }

    private static final int MAX_URL = 4096;

    private UrlNormalizer() {
    }

    /**
     * @param url a URL path starting with {@code /}, with an optional query
     * @return its normal form
     * @throws BadUrlException if it has none
     */
    public static String normalize(String url) throws BadUrlException {
        if (url == null || url.isEmpty() || url.length() > MAX_URL) {
            throw new BadUrlException("URL missing or longer than " + MAX_URL + " characters");
        }
        int q = url.indexOf('?');
        String path = q < 0 ? url : url.substring(0, q);
        String query = q < 0 ? null : url.substring(q + 1);
        String decoded = decode(path).replace('\\', '/');
        if (!decoded.startsWith("/")) {
            throw new BadUrlException("a URL path starts with '/'");
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new BadUrlException("control character in the URL");
            }
        }
        List<String> parts = new ArrayList<>();
        String[] segs = decoded.split("/", -1);
        boolean trailingSlash = false;
        for (int i = 1; i < segs.length; i++) {
            String seg = segs[i];
            boolean last = i == segs.length - 1;
            if (seg.isEmpty() || seg.equals(".")) {
                trailingSlash = last;
                continue;
            }
            if (seg.equals("..")) {
                if (parts.isEmpty()) {
                    throw new BadUrlException("the URL climbs above the root");
                }
                parts.remove(parts.size() - 1);
                trailingSlash = last;
                continue;
            }
            parts.add(seg);
            trailingSlash = false;
        }
        StringBuilder out = new StringBuilder(decoded.length() + (query == null ? 0 : query.length() + 1));
        for (String p : parts) {
            out.append('/').append(p);
        }
        if (parts.isEmpty() || trailingSlash) {
            out.append('/');
        }
        if (query != null) {
            out.append('?').append(query);
        }
        return out.toString();
    }

    private static String decode(String s) throws BadUrlException {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new BadUrlException("truncated percent-escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadUrlException("bad percent-escape");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                byte[] b = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i = end - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new BadUrlException("invalid UTF-8 in the URL");
        }
    }
}
