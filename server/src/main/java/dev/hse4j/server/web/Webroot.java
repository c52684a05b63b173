package dev.hse4j.server.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The webroot, and the one place URL paths become file paths (PATH_TRANSLATED, map URL to path, the
 * file sample). A URL that would leave the webroot, by {@code ..}, an encoded {@code ..}, a backslash,
 * a NUL or a symbolic link pointing out, is refused rather than clamped.
 */
public final class Webroot {

    /** A URL that cannot be mapped into the webroot. */
    public static final class OutsideWebrootException extends Exception {
        private static final long serialVersionUID = 1L;

        OutsideWebrootException(String message) {
            super(message);
        }
    }

    private static final int MAX_URL = 4096;

    private final Path root;

    /**
     * @param root the webroot directory
     * @throws IOException if it cannot be resolved
     */
    public Webroot(Path root) throws IOException {
        Path abs = root.toAbsolutePath().normalize();
        this.root = Files.exists(abs) ? abs.toRealPath() : abs;
    }

    /** @return the webroot's absolute, real path */
    public Path root() {
        return root;
    }

    /**
     * Maps a URL path to a file path inside the webroot.
     *
     * @param url a URL path ({@code /a/b.html}); percent-encoding is decoded once; a query is ignored
     * @return the absolute file path (which may not exist)
     * @throws OutsideWebrootException if the path would leave the webroot or is malformed
     */
    public Path map(String url) throws OutsideWebrootException {
        if (url == null || url.length() > MAX_URL) {
            throw new OutsideWebrootException("URL missing or too long");
        }
        String u = url;
        int q = u.indexOf('?');
        if (q >= 0) {
            u = u.substring(0, q);
        }
        return mapDecoded(percentDecode(u));
    }

    /**
     * Maps an already decoded path (such as PATH_INFO) to a file path inside the webroot: a {@code %} in it
     * is a character, not an escape.
     *
     * @param decoded a decoded path ({@code /a b/c.html})
     * @return the absolute file path (which may not exist)
     * @throws OutsideWebrootException if the path would leave the webroot or is malformed
     */
    public Path mapDecoded(String decoded) throws OutsideWebrootException {
        if (decoded == null || decoded.length() > MAX_URL) {
            throw new OutsideWebrootException("path missing or too long");
        }
        if (decoded.indexOf('\\') >= 0 || decoded.indexOf('\0') >= 0 || decoded.indexOf(':') >= 0) {
            throw new OutsideWebrootException("illegal character in path");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String seg : decoded.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (parts.isEmpty()) {
                    throw new OutsideWebrootException("path climbs above the webroot");
                }
                parts.removeLast();
                continue;
            }
            parts.addLast(seg);
        }
        Path p = root;
        for (String seg : parts) {
            p = p.resolve(seg);
        }
        p = p.normalize();
        if (!p.startsWith(root)) {
            throw new OutsideWebrootException("path leaves the webroot");
        }
        // A symbolic link inside the webroot must not lead out of it.
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing != null) {
            try {
                if (!existing.toRealPath().startsWith(root)) {
                    throw new OutsideWebrootException("path leads out of the webroot through a link");
                }
            } catch (IOException e) {
                throw new OutsideWebrootException("path cannot be resolved: " + e.getMessage());
            }
        }
        return p;
    }

    private static String percentDecode(String s) throws OutsideWebrootException {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                byte[] b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i++;
            } else if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new OutsideWebrootException("truncated percent-encoding");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new OutsideWebrootException("bad percent-encoding");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        try {
            // Overlong or invalid UTF-8 (the classic %c0%ae "dot") is refused, never guessed at.
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new OutsideWebrootException("invalid UTF-8 in path");
        }
    }
}
