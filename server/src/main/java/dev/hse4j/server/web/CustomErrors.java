package dev.hse4j.server.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jetty.http.HttpStatus;

/**
 * The server's error pages (IIS's custom errors): {@code errors/<status>.<sub>.html} or
 * {@code errors/<status>.html} from the webroot when the operator put one there, else a short built-in
 * page. Pages are read when used, so an edited page takes effect at once; one larger than
 * {@link #MAX_PAGE} bytes is ignored (and the built-in page sent).
 */
public final class CustomErrors {

    /**
     * Request attribute: when present (as on a child request with
     * {@code ExecUrlInfo.DISABLE_CUSTOM_ERROR}), errors get the built-in page, not the webroot's.
     */
    public static final String DISABLE_ATTRIBUTE = "hse4j.disableCustomError";
    /** The largest custom page used. */
    public static final int MAX_PAGE = 64 * 1024;

    private final Webroot webroot;

    /** @param webroot where {@code errors/} is looked for */
    public CustomErrors(Webroot webroot) {
        this.webroot = webroot;
    }

    /**
     * @param status an HTTP status
     * @param sub a sub-status, or 0
     * @return the operator's page for it, or {@code null} if there is none
     */
    public byte[] customPage(int status, int sub) {
        byte[] page = sub > 0 ? read("/errors/" + status + "." + sub + ".html") : null;
        return page != null ? page : read("/errors/" + status + ".html");
    }

    /**
     * @param status an HTTP status
     * @param sub a sub-status, or 0
     * @param useCustom whether the webroot's page may be used
     * @return the page to send: the operator's, or the built-in one
     */
    public byte[] page(int status, int sub, boolean useCustom) {
        byte[] custom = useCustom ? customPage(status, sub) : null;
        return custom != null ? custom : builtIn(status, sub);
    }

    /**
     * @param status an HTTP status
     * @param sub a sub-status, or 0
     * @return a short HTML page naming the status
     */
    public static byte[] builtIn(int status, int sub) {
        String reason = HttpStatus.getMessage(status);
        String title = status + (sub > 0 ? "." + sub : "") + " " + reason;
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n<body><h1>"
                + title + "</h1></body></html>\n").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] read(String url) {
        try {
            Path p = webroot.map(url);
            if (!Files.isRegularFile(p) || Files.size(p) > MAX_PAGE) {
                return null;
            }
            try (InputStream in = Files.newInputStream(p)) {
                return in.readNBytes(MAX_PAGE);
            }
        } catch (Webroot.OutsideWebrootException | IOException e) {
            return null;
        }
    }
}
