package dev.hse4j.api;

import java.nio.ByteBuffer;

/**
 * HSE_EXEC_URL_INFO: what {@link ExtensionControlBlock#execUrl(ExecUrlInfo)} runs as a child request.
 * Immutable; start from {@link #of(String)} and change it with the {@code with...} methods.
 *
 * <p>The child runs on another URL of this server (an extension under {@code /ext/}, a static file of the
 * webroot, or a server page under {@code /hse/}); its response goes to the client as part of the
 * parent's. Child requests nest at most {@link #MAX_DEPTH} deep: a child that executes its parent (or any
 * loop) is cut there with {@link IsapiError#STACK_OVERFLOW}.
 *
 * @param url the child's URL path with an optional query ({@code /ext/other/x?a=1}), or {@code null} for
 *     the parent's own URL. Characters outside ASCII are sent UTF-8 percent-encoded, so EXEC_URL and
 *     EXEC_UNICODE_URL take the same URLs
 * @param method the child's method, or {@code null} for the parent's
 * @param headers the child's request headers as {@code "Name: value\r\n"} lines, replacing all of the
 *     parent's (Host is kept if not given), or {@code null} to copy the parent's (without their body framing)
 * @param entity the child's request body, or {@code null} for none (the parent's body is not passed on)
 * @param flags a combination of {@link #NO_HEADERS}, {@link #IGNORE_CURRENT_INTERCEPTOR},
 *     {@link #IGNORE_VALIDATION_AND_RANGE}, {@link #DISABLE_CUSTOM_ERROR} and {@link #HTTP_CACHE_ELIGIBLE}
 */
public record ExecUrlInfo(String url, String method, String headers, ByteBuffer entity, int flags) {

    /**
     * HSE_EXEC_URL_NO_HEADERS (0x02): the child's status line and headers are not sent, only its body;
     * the parent sends (or has sent) its own headers.
     */
    public static final int NO_HEADERS = 0x02;
    /**
     * HSE_EXEC_URL_IGNORE_CURRENT_INTERCEPTOR (0x04): the child is not handed to the calling extension
     * again; a URL that names it falls through to the server's other handlers (static files, {@code /hse/}).
     */
    public static final int IGNORE_CURRENT_INTERCEPTOR = 0x04;
    /**
     * HSE_EXEC_URL_IGNORE_VALIDATION_AND_RANGE (0x10): the child's {@code Range}, {@code If-Range} and
     * conditional ({@code If-*}) headers are dropped, so it always answers the whole entity.
     */
    public static final int IGNORE_VALIDATION_AND_RANGE = 0x10;
    /**
     * HSE_EXEC_URL_DISABLE_CUSTOM_ERROR (0x20): an error status of the child gets the server's plain error
     * page, not the webroot's custom page ({@code errors/<status>.html}).
     */
    public static final int DISABLE_CUSTOM_ERROR = 0x20;
    /** HSE_EXEC_URL_SSI_CMD (0x40): server-side includes; hse4j has none, so this flag is refused (87). */
    public static final int SSI_CMD = 0x40;
    /** HSE_EXEC_URL_HTTP_CACHE_ELIGIBLE (0x80): accepted and without effect (hse4j keeps no response cache). */
    public static final int HTTP_CACHE_ELIGIBLE = 0x80;
    /** The flags hse4j accepts. */
    public static final int KNOWN_FLAGS = NO_HEADERS | IGNORE_CURRENT_INTERCEPTOR | IGNORE_VALIDATION_AND_RANGE
            | DISABLE_CUSTOM_ERROR | HTTP_CACHE_ELIGIBLE;
    /**
     * How deep child requests nest: a request may have a child, grandchild... down to this depth; one more
     * level fails with {@link IsapiError#STACK_OVERFLOW} (1001). It cuts loops, such as an extension
     * executing its own URL.
     */
    public static final int MAX_DEPTH = 8;

    /**
     * @param url the child's URL (see the record's description)
     * @return a child of that URL with the parent's method and headers, no body and no flags
     */
    public static ExecUrlInfo of(String url) {
        return new ExecUrlInfo(url, null, null, null, 0);
    }

    /** @param m the child's method @return a copy with it */
    public ExecUrlInfo withMethod(String m) {
        return new ExecUrlInfo(url, m, headers, entity, flags);
    }

    /** @param h the child's headers, replacing all of the parent's @return a copy with them */
    public ExecUrlInfo withHeaders(String h) {
        return new ExecUrlInfo(url, method, h, entity, flags);
    }

    /** @param body the child's request body (the server's until the completion) @return a copy with it */
    public ExecUrlInfo withEntity(ByteBuffer body) {
        return new ExecUrlInfo(url, method, headers, body, flags);
    }

    /** @param body the child's request body @return a copy with it */
    public ExecUrlInfo withEntity(byte[] body) {
        return withEntity(ByteBuffer.wrap(body));
    }

    /** @param f the flags @return a copy with them */
    public ExecUrlInfo withFlags(int f) {
        return new ExecUrlInfo(url, method, headers, entity, f);
    }
}
