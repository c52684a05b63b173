package dev.hse4j.server.host;

import dev.hse4j.api.ExecUrlInfo;
import dev.hse4j.api.ExecUrlStatus;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.server.web.CustomErrors;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Attributes;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HSE_REQ_EXEC_URL: child requests. A child is a {@link Request} of its own (URL, method, headers, body,
 * attributes layered over the parent's) handed to the server's handler chain from the top, on a server
 * thread, so it reaches whatever serves its URL: an extension, a static file, {@code /hse/}. Its response
 * is a {@link ChildResponse} writing into the parent's response through the parent's
 * {@link RequestIo.External} operation, which completes when the child's exchange does.
 *
 * <p>Nesting is counted in a request attribute; beyond {@link ExecUrlInfo#MAX_DEPTH} the call fails with
 * {@link IsapiError#STACK_OVERFLOW}, which cuts loops (an extension executing its own URL).
 */
final class ChildRequests {

    /** Request attribute: how deep a child request is nested (absent = 0, a client's request). */
    static final String DEPTH_ATTRIBUTE = "hse4j.exec.depth";
    /** Request attribute: the extension a child must not be handed to (IGNORE_CURRENT_INTERCEPTOR). */
    static final String SKIP_ATTRIBUTE = "hse4j.exec.skipExtension";
    /** Request attribute: the sub-status a child's custom error carried, for GET_EXEC_URL_STATUS. */
    static final String SUB_STATUS_ATTRIBUTE = "hse4j.exec.subStatus";

    private static final Logger LOG = LoggerFactory.getLogger(ChildRequests.class);
    private static final int MAX_URL = 4096;
    private static final List<String> VALIDATION_AND_RANGE = List.of("range", "if-range", "if-match",
            "if-none-match", "if-modified-since", "if-unmodified-since");

    private final Executor executor;
    private final Supplier<Handler> root;

    /**
     * @param executor runs children (never on the caller's thread: execUrl returns at once)
     * @param root the server's handler chain, where a child starts
     */
    ChildRequests(Executor executor, Supplier<Handler> root) {
        this.executor = executor;
        this.root = root;
    }

    /**
     * Starts a child of {@code parent}.
     *
     * @param parent the calling request
     * @param io the calling request's I/O state machine (the child is its outstanding operation)
     * @param extensionName the calling extension, for IGNORE_CURRENT_INTERCEPTOR
     * @param info what to run
     * @param onEnd told how the child ended, before its completion is delivered
     */
    void start(Request parent, RequestIo io, String extensionName, ExecUrlInfo info, Consumer<ExecUrlStatus> onEnd)
            throws IsapiException {
        if (info == null) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no ExecUrlInfo");
        }
        if ((info.flags() & ~ExecUrlInfo.KNOWN_FLAGS) != 0) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "unsupported EXEC_URL flags 0x"
                    + Integer.toHexString(info.flags() & ~ExecUrlInfo.KNOWN_FLAGS)
                    + " (hse4j has no server-side includes)");
        }
        int depth = depthOf(parent) + 1;
        if (depth > ExecUrlInfo.MAX_DEPTH) {
            LOG.warn("{}: EXEC_URL to {} refused: child requests nested {} deep (the limit is {}); a loop?",
                    extensionName, info.url(), depth, ExecUrlInfo.MAX_DEPTH);
            throw new IsapiException(IsapiError.STACK_OVERFLOW, "child requests may nest at most "
                    + ExecUrlInfo.MAX_DEPTH + " deep (does the child execute its parent?)");
        }
        HttpURI uri = childUri(parent, info.url());
        String method = info.method() == null ? parent.getMethod() : checkedMethod(info.method());
        ByteBuffer entity = null;
        if (info.entity() != null) {
            entity = ByteBuffer.allocate(info.entity().remaining());
            entity.put(info.entity().duplicate()).flip(); // the child reads its own copy
        }
        HttpFields headers = childHeaders(parent, info, entity == null ? 0 : entity.remaining());
        boolean sendsHeaders = (info.flags() & ExecUrlInfo.NO_HEADERS) == 0;

        RequestIo.External op = io.beginExternal(sendsHeaders);
        ChildRequest child = new ChildRequest(parent, uri, method, headers, entity);
        child.setAttribute(DEPTH_ATTRIBUTE, depth);
        flagAttribute(child, SKIP_ATTRIBUTE, (info.flags() & ExecUrlInfo.IGNORE_CURRENT_INTERCEPTOR) != 0
                ? extensionName : null);
        flagAttribute(child, CustomErrors.DISABLE_ATTRIBUTE,
                (info.flags() & ExecUrlInfo.DISABLE_CUSTOM_ERROR) != 0 ? Boolean.TRUE : null);
        child.removeAttribute(SUB_STATUS_ATTRIBUTE);
        ChildResponse response = new ChildResponse(child, op, sendsHeaders);
        Callback done = new Callback() {
            @Override
            public void succeeded() {
                response.commit();
                end(0);
            }

            @Override
            public void failed(Throwable x) {
                LOG.debug("child request {} {} failed", method, uri.getPathQuery(), x);
                end(IsapiError.OPERATION_ABORTED);
            }

            private void end(int error) {
                int status = response.status();
                if (error != 0 && !response.isCommitted()) {
                    status = HttpStatus.INTERNAL_SERVER_ERROR_500;
                }
                Object sub = child.getAttribute(SUB_STATUS_ATTRIBUTE);
                onEnd.accept(new ExecUrlStatus(status, sub instanceof Integer i ? i : 0, error));
                // Delivered from a server thread of its own, never inside the child's last call.
                executor.execute(() -> op.complete(response.bodyBytes(), error));
            }
        };
        executor.execute(() -> {
            try {
                if (!root.get().handle(child, response, done)) {
                    Response.writeError(child, response, done, HttpStatus.NOT_FOUND_404);
                }
            } catch (Throwable t) {
                LOG.warn("child request {} {} failed in its handler", method, uri.getPathQuery(), t);
                if (!response.isCommitted()) {
                    Response.writeError(child, response, done, HttpStatus.INTERNAL_SERVER_ERROR_500);
                } else {
                    done.failed(t);
                }
            }
        });
    }

    /** @return how deep {@code request} is nested: 0 for a client's request */
    static int depthOf(Request request) {
        return request.getAttribute(DEPTH_ATTRIBUTE) instanceof Integer d ? d : 0;
    }

    private static void flagAttribute(Request child, String name, Object value) {
        if (value == null) {
            child.removeAttribute(name); // not inherited from the parent
        } else {
            child.setAttribute(name, value);
        }
    }

    private static HttpURI childUri(Request parent, String url) throws IsapiException {
        String u = url == null ? parent.getHttpURI().getPathQuery() : url;
        if (u == null || u.isEmpty() || u.charAt(0) != '/' || u.length() > MAX_URL) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER,
                    "the child's URL must be a path on this server starting with '/' (at most " + MAX_URL + " characters)");
        }
        StringBuilder enc = new StringBuilder(u.length());
        for (byte b : u.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                if (c < 0x20 || c == 0x7f) {
                    throw new IsapiException(IsapiError.INVALID_PARAMETER, "control character in the child's URL");
                }
                enc.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                enc.append((char) c);
            }
        }
        HttpURI uri;
        try {
            uri = HttpURI.build(parent.getHttpURI()).pathQuery(enc.toString()).asImmutable();
        } catch (IllegalArgumentException e) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "malformed child URL");
        }
        if (uri.getCanonicalPath() == null || uri.isAmbiguous() || uri.hasViolations()) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER,
                    "the child's URL is ambiguous or leaves the server's root");
        }
        return uri;
    }

    private static String checkedMethod(String m) throws IsapiException {
        if (m.isEmpty() || m.length() > 32) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad method for the child");
        }
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                throw new IsapiException(IsapiError.INVALID_PARAMETER, "bad method for the child");
            }
        }
        return m;
    }

    private static HttpFields childHeaders(Request parent, ExecUrlInfo info, int entityLength) throws IsapiException {
        HttpFields.Mutable h = HttpFields.build();
        if (info.headers() == null) {
            for (HttpField f : parent.getHeaders()) {
                if (f.getHeader() != HttpHeader.CONTENT_LENGTH && f.getHeader() != HttpHeader.TRANSFER_ENCODING) {
                    h.add(f);
                }
            }
        } else {
            // The same checks as response headers: "Name: value" lines, tokens, no control characters.
            for (HttpField f : ResponseHead.parse(null, info.headers(), 200).fields()) {
                if (f.getHeader() != HttpHeader.CONTENT_LENGTH) {
                    h.add(f);
                }
            }
            if (!h.contains(HttpHeader.HOST) && parent.getHeaders().get(HttpHeader.HOST) != null) {
                h.put(HttpHeader.HOST, parent.getHeaders().get(HttpHeader.HOST));
            }
        }
        if ((info.flags() & ExecUrlInfo.IGNORE_VALIDATION_AND_RANGE) != 0) {
            List<HttpField> keep = new ArrayList<>();
            for (HttpField f : h) {
                if (!VALIDATION_AND_RANGE.contains(f.getLowerCaseName())) {
                    keep.add(f);
                }
            }
            h = HttpFields.build();
            keep.forEach(h::add);
        }
        if (entityLength > 0) {
            h.put(HttpHeader.CONTENT_LENGTH, entityLength);
        }
        return h.asImmutable();
    }

    /** A child request: its own URL, method, headers and body; attributes layered over the parent's. */
    private static final class ChildRequest extends Request.AttributesWrapper {
        private final HttpURI uri;
        private final String method;
        private final HttpFields headers;
        private final long length;
        private ByteBuffer entity; // guarded by this

        ChildRequest(Request parent, HttpURI uri, String method, HttpFields headers, ByteBuffer entity) {
            super(parent, new Attributes.Layer(parent));
            this.uri = uri;
            this.method = method;
            this.headers = headers;
            this.entity = entity;
            this.length = entity == null ? 0 : entity.remaining();
        }

        @Override public HttpURI getHttpURI() { return uri; }
        @Override public String getMethod() { return method; }
        @Override public HttpFields getHeaders() { return headers; }
        @Override public HttpFields getTrailers() { return null; }
        @Override public long getLength() { return length; }

        @Override
        public synchronized Content.Chunk read() {
            ByteBuffer b = entity;
            entity = null;
            return b == null ? Content.Chunk.EOF : Content.Chunk.from(b, true);
        }

        @Override
        public synchronized boolean consumeAvailable() {
            entity = null;
            return true;
        }

        @Override
        public void demand(Runnable demandCallback) {
            demandCallback.run(); // the whole body is always there
        }

        @Override
        public void fail(Throwable failure) {
            consumeAvailable();
        }

        @Override
        public String toString() {
            return "child " + method + " " + uri.getPathQuery();
        }
    }

    /**
     * A child's response: status and headers of its own until its first write, which sends them as the
     * parent's (unless NO_HEADERS); body bytes go into the parent's response; the last write does not end it.
     */
    private static final class ChildResponse extends Response.Wrapper {
        private final RequestIo.External op;
        private final boolean sendsHeaders;
        private final HttpFields.Mutable headers = HttpFields.build();
        private volatile int status = HttpStatus.OK_200;
        private volatile boolean committed;
        private volatile boolean lastWritten;
        private volatile long bodyBytes;

        ChildResponse(Request child, RequestIo.External op, boolean sendsHeaders) {
            super(child, null);
            this.op = op;
            this.sendsHeaders = sendsHeaders;
        }

        int status() { return status; }
        long bodyBytes() { return bodyBytes; }

        @Override public int getStatus() { return status; }
        @Override public void setStatus(int code) { status = code; }
        @Override public HttpFields.Mutable getHeaders() { return headers; }
        @Override public Supplier<HttpFields> getTrailersSupplier() { return null; }
        @Override public void setTrailersSupplier(Supplier<HttpFields> trailers) { }
        @Override public boolean isCommitted() { return committed; }
        @Override public boolean hasLastWrite() { return lastWritten; }
        @Override public boolean isCompletedSuccessfully() { return lastWritten; }

        @Override
        public void reset() {
            if (committed) {
                throw new IllegalStateException("committed");
            }
            headers.clear();
            status = HttpStatus.OK_200;
        }

        @Override
        public CompletableFuture<Void> writeInterim(int code, HttpFields fields) {
            return CompletableFuture.completedFuture(null); // 1xx of a child are not the client's business
        }

        synchronized void commit() {
            if (committed) {
                return;
            }
            committed = true;
            if (sendsHeaders) {
                List<HttpField> fields = new ArrayList<>();
                for (HttpField f : headers) {
                    if (f.getHeader() != HttpHeader.CONNECTION && f.getHeader() != HttpHeader.TRANSFER_ENCODING
                            && f.getHeader() != HttpHeader.DATE && f.getHeader() != HttpHeader.SERVER) {
                        fields.add(f);
                    }
                }
                if (!op.head(new ResponseHead(status, fields))) {
                    LOG.debug("the parent's headers were sent before its child's");
                }
            }
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            commit();
            if (lastWritten) {
                callback.failed(new IllegalStateException("write after the last write"));
                return;
            }
            if (last) {
                lastWritten = true;
            }
            if (content == null || !content.hasRemaining()) {
                callback.succeeded();
                return;
            }
            int n = content.remaining();
            op.write(content, new Transport.Done() {
                @Override
                public void succeeded() {
                    bodyBytes += n;
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable cause) {
                    callback.failed(cause);
                }
            });
        }

        @Override
        public String toString() {
            return "child response " + status + " " + (committed ? "committed" : "open") + " "
                    + headers.size() + " headers" + (sendsHeaders ? "" : " (no headers)")
                    + String.format(Locale.ROOT, " %d bytes", bodyBytes);
        }
    }
}
