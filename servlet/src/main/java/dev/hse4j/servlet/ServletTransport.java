package dev.hse4j.servlet;

import dev.hse4j.server.host.Transport;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.http.HttpField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Transport} over Servlet 6.0 asynchronous I/O: the response through a {@link WriteListener} (a write
 * is done when {@code isReady()} says so, at once or in {@code onWritePossible}), the request body through a
 * {@link ReadListener}, the exchange's end through the {@link AsyncContext}. The ISAPI rules are not here: they
 * are in the host's state machine, which drives this transport as it drives Jetty core's.
 *
 * <p>Servlet non-blocking I/O allows one write at a time and a write only after {@code isReady()} returned
 * true; the machine's one-outstanding rule gives exactly that. {@code isReady()} and the listeners' calls may
 * race (the container calls them on its threads), so each outstanding write and demand is taken by exactly
 * one of them through an atomic hand-over.
 *
 * <p>What a container does not let an application do: reset a connection, or close it after a committed
 * response. {@link #fail} then ends the exchange without its end (a declared Content-Length left short makes
 * Tomcat and Jetty close the connection); {@link #closeConnection} before the response asks for
 * {@code Connection: close}.
 */
final class ServletTransport implements Transport, WriteListener, ReadListener, AsyncListener {

    private static final Logger LOG = LoggerFactory.getLogger(ServletTransport.class);

    private enum Step { WRITE, FLUSH, DONE }

    /** One write on its way: its bytes, then a flush, then its {@link Done}. */
    private static final class WriteOp {
        final ByteBuffer content;
        final boolean last;
        final Done done;
        Step step = Step.WRITE;

        WriteOp(ByteBuffer content, boolean last, Done done) {
            this.content = content;
            this.last = last;
            this.done = done;
        }
    }

    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final AsyncContext async;
    private final ServletOutputStream out;
    private final ServletInputStream in;
    private final int maxPiece;
    private final boolean multiplexed;
    private final MethodHandle bufferWrite; // the stream's own write(ByteBuffer), or null

    // Writes: at most one outstanding (the machine's rule).
    private final AtomicReference<WriteOp> pending = new AtomicReference<>();
    private byte[] copy; // for buffers without an accessible array (direct, read-only) when bufferWrite is null

    // Reads.
    private final AtomicReference<Runnable> demand = new AtomicReference<>();
    private int pushback = -1; // a byte probe() read ahead; guarded by this
    private boolean eof; // guarded by this
    private volatile IOException readFailure;

    private volatile IOException broken; // the exchange failed under us (client gone, container error)
    private volatile boolean ended;
    private volatile boolean closeAfter;
    private volatile long contentLength = -1;
    private final AtomicReference<Runnable> onEnd = new AtomicReference<>();

    /**
     * @param request the request (asynchronous processing started)
     * @param response its response
     * @param async the exchange's asynchronous context
     * @param maxPiece the largest single write (16 KB on a secure request)
     * @param bufferWrites the output streams' own {@code write(ByteBuffer)} methods
     * @throws IOException if the container cannot give the streams
     */
    ServletTransport(HttpServletRequest request, HttpServletResponse response, AsyncContext async, int maxPiece,
            BufferWrites bufferWrites) throws IOException {
        this.request = request;
        this.response = response;
        this.async = async;
        this.maxPiece = maxPiece;
        String protocol = request.getProtocol();
        this.multiplexed = protocol != null && (protocol.startsWith("HTTP/2") || protocol.startsWith("HTTP/3"));
        this.out = response.getOutputStream();
        this.bufferWrite = bufferWrites.of(out);
        this.in = request.getInputStream();
        async.addListener(this);
    }

    /** Puts the streams in non-blocking mode: call on the container's thread, inside {@code service()}. */
    void listen() {
        in.setReadListener(this);
        out.setWriteListener(this);
    }

    /** @param r run once when the exchange is over (completed, failed, timed out), or never if it never ends */
    void onEnd(Runnable r) {
        onEnd.set(r);
    }

    // ------------------------------------------------------------------ the request

    @Override public String method() { return request.getMethod(); }

    @Override
    public String pathQuery() {
        String q = request.getQueryString();
        return q == null ? request.getRequestURI() : request.getRequestURI() + "?" + q;
    }

    @Override public int maxPiece() { return maxPiece; }
    @Override public boolean isMultiplexed() { return multiplexed; }

    @Override
    public boolean isPersistent() {
        String c = request.getHeader("Connection");
        String connection = c == null ? "" : c.toLowerCase(Locale.ROOT);
        if ("HTTP/1.0".equals(request.getProtocol())) {
            return connection.contains("keep-alive");
        }
        return multiplexed || !connection.contains("close");
    }

    @Override
    public boolean isOpen() {
        return broken == null && !ended;
    }

    // ------------------------------------------------------------------ the head

    @Override
    public void status(int status) {
        response.setStatus(status);
    }

    @Override
    public int status() {
        return response.getStatus();
    }

    @Override
    public void head(int status, List<HttpField> fields) {
        response.setStatus(status);
        for (HttpField f : fields) {
            // The header's own name where it is a known one (a field may carry another name string).
            String name = f.getHeader() != null ? f.getHeader().asString() : f.getName();
            if ("Content-Length".equalsIgnoreCase(name)) {
                // Kept here as well: containers hold it apart from the other headers.
                try {
                    contentLength = Long.parseLong(f.getValue().trim());
                } catch (NumberFormatException e) {
                    contentLength = -1;
                }
            }
            response.addHeader(name, f.getValue());
        }
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public boolean isCommitted() {
        return response.isCommitted();
    }

    @Override
    public void closeAfterResponse() {
        closeAfter = true;
        if (!multiplexed && !response.isCommitted()) {
            response.setHeader("Connection", "close");
        }
    }

    @Override
    public boolean closesAfterResponse() {
        if (closeAfter) {
            return true;
        }
        String c = response.getHeader("Connection");
        return c != null && c.toLowerCase(Locale.ROOT).contains("close");
    }

    // ------------------------------------------------------------------ writes

    @Override
    public void write(boolean last, ByteBuffer content, Done done) {
        IOException b = broken;
        if (b != null || ended) {
            done.failed(b != null ? b : new IOException("the exchange has ended"));
            return;
        }
        advance(new WriteOp(content, last, done));
    }

    /**
     * Moves a write on as far as the container allows now: each step (write the bytes, flush them, report done)
     * only after {@code isReady()} said true; when it says false, {@code onWritePossible} continues from there.
     * The op is published before each {@code isReady()}, so exactly one of this thread and the container's takes it.
     */
    private void advance(WriteOp op) {
        while (true) {
            pending.set(op);
            boolean nowReady;
            try {
                nowReady = out.isReady();
            } catch (IllegalStateException e) {
                nowReady = false; // the container is ending the exchange; onError/onComplete fail the write
            }
            if (!nowReady || pending.getAndSet(null) != op) {
                return;
            }
            try {
                switch (op.step) {
                    case WRITE -> {
                        ByteBuffer c = op.content;
                        int n = c.remaining();
                        if (n > 0) {
                            if (c.hasArray()) {
                                out.write(c.array(), c.arrayOffset() + c.position(), n);
                                c.position(c.position() + n);
                            } else if (bufferWrite != null) {
                                // A read-only or direct buffer (the stream sample's pattern) as it is: no copy.
                                // The container may consume it later (Jetty's async write): it is the transport's
                                // until done, and untouched here after.
                                bufferWrite.invokeExact(out, c);
                            } else {
                                if (copy == null || copy.length < n) {
                                    copy = new byte[n];
                                }
                                c.get(copy, 0, n);
                                out.write(copy, 0, n);
                            }
                        }
                        // ISAPI writes reach the client as they are made; a container would hold them in its buffer.
                        op.step = op.last || n == 0 ? Step.DONE : Step.FLUSH;
                    }
                    case FLUSH -> {
                        out.flush();
                        op.step = Step.DONE;
                    }
                    default -> {
                        op.done.succeeded();
                        return;
                    }
                }
            } catch (Throwable e) { // IOException, RuntimeException, and what invokeExact declares
                if (e instanceof Error err) {
                    throw err;
                }
                brokenBy(e);
                op.done.failed(broken);
                return;
            }
        }
    }

    @Override
    public void onWritePossible() {
        WriteOp op = pending.getAndSet(null);
        if (op != null) {
            advance(op);
        }
    }

    // ------------------------------------------------------------------ reads

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        if (readFailure != null) {
            throw readFailure;
        }
        if (!dst.hasRemaining()) {
            return NOTHING_YET;
        }
        int n = 0;
        if (pushback >= 0) {
            dst.put((byte) pushback);
            pushback = -1;
            n = 1;
        }
        while (dst.hasRemaining() && !eof) {
            if (in.isFinished()) {
                eof = true;
                break;
            }
            if (!in.isReady()) {
                break;
            }
            int r;
            try {
                if (dst.hasArray()) {
                    r = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
                    if (r > 0) {
                        dst.position(dst.position() + r);
                    }
                } else {
                    byte[] b = new byte[Math.min(dst.remaining(), 16 * 1024)];
                    r = in.read(b, 0, b.length);
                    if (r > 0) {
                        dst.put(b, 0, r);
                    }
                }
            } catch (IOException e) {
                throw readFailed(e);
            }
            if (r < 0) {
                eof = true;
            } else if (r == 0) {
                break;
            } else {
                n += r;
            }
        }
        if (n > 0) {
            return n;
        }
        return eof ? 0 : NOTHING_YET;
    }

    @Override
    public synchronized int probe() throws IOException {
        if (readFailure != null) {
            throw readFailure;
        }
        if (pushback >= 0) {
            return 1;
        }
        if (eof || in.isFinished()) {
            eof = true;
            return 0;
        }
        if (!in.isReady()) {
            return NOTHING_YET;
        }
        int r;
        try {
            r = in.read();
        } catch (IOException e) {
            throw readFailed(e);
        }
        if (r < 0) {
            eof = true;
            return 0;
        }
        pushback = r;
        return 1;
    }

    private IOException readFailed(IOException e) {
        IOException f = isMalformed(e) ? new MalformedBody(e) : e;
        readFailure = f;
        return f;
    }

    /** Tomcat's BadRequestException, Jetty's BadMessageException: the body broke its framing (not a gone client). */
    private static boolean isMalformed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String n = t.getClass().getSimpleName();
            if (n.equals("BadRequestException") || n.equals("BadMessageException") || n.equals("HttpException")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void demand(Runnable onReadable) {
        demand.set(onReadable);
        boolean now;
        synchronized (this) {
            // isReady() false arranges onDataAvailable; the other answers mean there is something to read now.
            now = readFailure != null || pushback >= 0 || eof || in.isFinished() || in.isReady();
        }
        if (now || broken != null) {
            runDemand();
        }
    }

    private void runDemand() {
        Runnable r = demand.getAndSet(null);
        if (r != null) {
            r.run();
        }
    }

    @Override
    public void onDataAvailable() {
        runDemand();
    }

    @Override
    public void onAllDataRead() {
        runDemand();
    }

    // ------------------------------------------------------------------ the end

    @Override
    public void complete() {
        if (ended) {
            return;
        }
        ended = true;
        try {
            async.complete();
        } catch (IllegalStateException e) {
            LOG.debug("the container had already ended the exchange", e);
        }
    }

    @Override
    public void fail(Throwable why) {
        if (ended) {
            return;
        }
        LOG.debug("exchange failed: {}", why.toString());
        if (!response.isCommitted()) {
            try {
                // No reset(): Tomcat's drops the WriteListener with the headers. The head is overwritten instead.
                response.setStatus(500);
                response.setHeader("Connection", "close");
                response.setContentLength(0);
            } catch (IllegalStateException e) {
                // committed meanwhile: ended below as it is
            }
        }
        // A committed response ends short of its declared length: the container closes the connection.
        complete();
    }

    @Override
    public void error(int status, String message, boolean closeConnection) {
        answer(status, message, false, closeConnection);
    }

    /** {@link #error}, with {@code Retry-After: 1} when asked (503 while loading or busy). */
    void answer(int status, String message, boolean retryAfter, boolean closeConnection) {
        if (ended) {
            return;
        }
        if (response.isCommitted()) {
            fail(new IOException(message));
            return;
        }
        byte[] body = (status + " " + message + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            // No reset() (Tomcat's drops the WriteListener): what the page needs is set over what may be there.
            response.setStatus(status);
            response.setContentType("text/plain;charset=utf-8");
            response.setHeader("Cache-Control", "no-store");
            if (retryAfter) {
                response.setHeader("Retry-After", "1");
            }
            if (closeConnection && !multiplexed) {
                response.setHeader("Connection", "close");
            }
            response.setContentLength(body.length);
        } catch (IllegalStateException e) {
            LOG.debug("the error page could not be set up", e);
            complete();
            return;
        }
        if (broken != null || pending.get() != null) {
            complete(); // the stream is unusable, or a write still owns it: the exchange just ends
            return;
        }
        // Written as any write: once the container says the stream is ready; the exchange ends after it.
        advance(new WriteOp(ByteBuffer.wrap(body), true, new Done() {
            @Override
            public void succeeded() {
                complete();
            }

            @Override
            public void failed(Throwable cause) {
                complete();
            }
        }));
    }

    @Override
    public void closeConnection() {
        closeAfterResponse();
    }

    // ------------------------------------------------------------------ failures from the container

    private void brokenBy(Throwable t) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: the exchange broke", pathQuery(), t);
        }
        if (broken == null) {
            broken = t instanceof IOException io ? io : new IOException("the exchange failed", t);
        }
    }

    @Override
    public void onError(Throwable t) {
        // WriteListener, ReadListener: the client went away or the container failed the stream.
        brokenBy(t);
        if (readFailure == null) {
            readFailure = broken;
        }
        WriteOp op = pending.getAndSet(null);
        if (op != null) {
            op.done.failed(broken);
        }
        runDemand();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        ended = true;
        onError(new Ended());
        Runnable r = onEnd.getAndSet(null);
        if (r != null) {
            r.run();
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The machine's session timeout comes first; this is the container's backstop.
        onError(new IOException("the container's asynchronous timeout passed"));
        complete();
    }

    @Override
    public void onError(AsyncEvent event) {
        onError(event.getThrowable() == null ? new IOException("the container failed the exchange")
                : event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not restarted
    }

    /** What a write or read after the exchange's end fails with; made on every completed exchange: no stack. */
    private static final class Ended extends IOException {
        private static final long serialVersionUID = 1L;

        Ended() {
            super("the exchange completed");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
