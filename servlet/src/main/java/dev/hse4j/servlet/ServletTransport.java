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
import org.eclipse.jetty.http.HttpHeader;
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
 * <p><b>Inside {@code service()} on Tomcat</b> (its own {@code CoyoteOutputStream}, not a filter's wrapper):
 * Tomcat answers {@code isReady()} false there until {@code service()} returns, so a write made then (a
 * non-blocking extension run on the container's thread, an early error page) would wait for a write dispatch
 * after it. Instead, until {@link #serviceReturned}, the container thread's writes that fit in Tomcat's response
 * buffer go into it in blocking mode (a copy, no I/O: Tomcat touches the socket only when its buffer overflows)
 * and are done at once; a hello then completes inside {@code service()}, as a plain servlet's would, without a
 * WriteListener. The first write that would not fit, a write from another thread, or the exchange outliving
 * {@code service()} sets the WriteListener (on the container thread, inside {@code service()}), and bytes left
 * in the buffer are flushed before any later write. Likewise the AsyncListener and the container's timeout are
 * set only for an exchange that outlives {@code service()}.
 *
 * <p>What a container does not let an application do: reset a connection, or close it after a committed
 * response. {@link #fail} then ends the exchange without its end (a declared Content-Length left short makes
 * Tomcat and Jetty close the connection); {@link #closeConnection} before the response asks for
 * {@code Connection: close}.
 */
final class ServletTransport implements Transport, WriteListener, ReadListener, AsyncListener {

    private static final Logger LOG = LoggerFactory.getLogger(ServletTransport.class);

    private enum Step { WRITE, FLUSH, DONE }

    /** Tomcat's response stream: its buffer takes a write in blocking mode without I/O when the bytes fit. */
    private static final String TOMCAT_STREAM = "org.apache.catalina.connector.CoyoteOutputStream";
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0).asReadOnlyBuffer();

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

    // Inside service() on Tomcat (see the class comment).
    private final Thread serviceThread; // the container thread that called service()
    private final int bufferSize; // Tomcat's response buffer; 0 when writes are not buffered in service()
    private volatile boolean inService = true;
    private volatile boolean listening; // the WriteListener is set
    private volatile int buffered; // bytes written into the container's buffer in blocking mode, not yet flushed
    private WriteOp flushing; // the flush of those bytes once the listener is set; guarded by this
    private WriteOp behindFlush; // the machine's write waiting for that flush; guarded by this

    // Reads.
    private final AtomicReference<Runnable> demand = new AtomicReference<>();
    private int pushback = -1; // a byte probe() read ahead; guarded by this
    private boolean eof; // guarded by this
    private volatile IOException readFailure;

    private volatile IOException broken; // the exchange failed under us (client gone, container error)
    private volatile boolean ended;
    private volatile boolean closeAfter;
    private volatile long contentLength = -1;
    private final long asyncTimeoutMs;

    /**
     * @param request the request (asynchronous processing started)
     * @param response its response
     * @param async the exchange's asynchronous context
     * @param maxPiece the largest single write (16 KB on a secure request)
     * @param bufferWrites the output streams' own {@code write(ByteBuffer)} methods
     * @param asyncTimeoutMs the container's asynchronous timeout, a backstop behind the session timeout
     * @throws IOException if the container cannot give the streams
     */
    ServletTransport(HttpServletRequest request, HttpServletResponse response, AsyncContext async, int maxPiece,
            BufferWrites bufferWrites, long asyncTimeoutMs) throws IOException {
        this.request = request;
        this.response = response;
        this.async = async;
        this.maxPiece = maxPiece;
        String protocol = request.getProtocol();
        this.multiplexed = protocol != null && (protocol.startsWith("HTTP/2") || protocol.startsWith("HTTP/3"));
        this.out = response.getOutputStream();
        this.bufferWrite = bufferWrites.of(out);
        this.in = request.getInputStream();
        this.serviceThread = Thread.currentThread();
        this.bufferSize = out.getClass().getName().equals(TOMCAT_STREAM) ? response.getBufferSize() : 0;
        this.asyncTimeoutMs = asyncTimeoutMs;
    }

    /**
     * Puts the request stream in non-blocking mode, and the response stream too unless writes made inside
     * {@code service()} go to Tomcat's buffer: call on the container's thread, inside {@code service()}.
     */
    void listen() {
        if (!in.isFinished()) {
            in.setReadListener(this); // a request without a body (a GET) reads its end at once, without one
        }
        if (bufferSize == 0) {
            listening = true;
            out.setWriteListener(this);
        }
    }

    /**
     * The host's call on the container thread has returned; {@code service()} is about to. Unless the exchange has
     * ended, the response stream goes non-blocking now, and bytes still in the container's buffer are flushed.
     */
    void serviceReturned() {
        if (!ended) {
            // Only an exchange that outlives service() needs the container's end events and its timeout backstop
            // (both may still be set now, before the container's dispatch returns; a hello ends before).
            try {
                async.setTimeout(asyncTimeoutMs);
                async.addListener(this);
            } catch (IllegalStateException e) {
                LOG.debug("the exchange ended meanwhile", e);
            }
        } else if (pending.get() != null || demand.get() != null) {
            onError(new Ended()); // failed inside service() by another thread with an operation still out
        }
        if (listening) {
            inService = false;
            return;
        }
        WriteOp flush = null;
        synchronized (this) {
            if (!ended && buffered > 0 && pending.get() == null) {
                flush = new WriteOp(NOTHING, false, new Done() {
                    @Override
                    public void succeeded() {
                        flushed(null);
                    }

                    @Override
                    public void failed(Throwable cause) {
                        flushed(cause);
                    }
                });
                flush.step = Step.FLUSH;
                flushing = flush;
            }
            // A write another thread published meanwhile waits in pending: onWritePossible takes it, and its
            // flush step flushes the buffered bytes before its own go.
        }
        if (!ended) {
            startListening();
        }
        inService = false;
        if (flush != null) {
            advance(flush);
        }
    }

    /** Sets the WriteListener: on the container thread, inside {@code service()}. */
    private void startListening() {
        try {
            out.setWriteListener(this);
        } catch (IllegalStateException e) {
            LOG.debug("no write listener: the exchange ended meanwhile", e); // completed by another thread
        }
        listening = true;
    }

    /** The flush of the bytes buffered inside {@code service()} ended: the machine's write behind it goes on. */
    private void flushed(Throwable cause) {
        WriteOp next;
        synchronized (this) {
            flushing = null;
            next = behindFlush;
            behindFlush = null;
        }
        if (next == null) {
            return;
        }
        if (cause != null) {
            next.done.failed(broken != null ? broken : cause);
        } else {
            advance(next);
        }
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
        for (int i = 0, n = fields.size(); i < n; i++) {
            HttpField f = fields.get(i);
            HttpHeader h = f.getHeader();
            String value = f.getValue();
            if (h == HttpHeader.CONTENT_TYPE) {
                response.setContentType(value); // what addHeader does with it, without matching the name
                continue;
            }
            if (h == HttpHeader.CONTENT_LENGTH || (h == null && "Content-Length".equalsIgnoreCase(f.getName()))) {
                // Kept here as well: containers hold it apart from the other headers.
                try {
                    long length = Long.parseLong(value.trim());
                    contentLength = length;
                    response.setContentLengthLong(length);
                    continue;
                } catch (NumberFormatException e) {
                    contentLength = -1;
                }
            }
            // The header's own name where it is a known one (a field may carry another name string).
            response.addHeader(h != null ? h.asString() : f.getName(), value);
        }
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public boolean isCommitted() {
        // Bytes in the container's buffer are written as far as the machine knows: the head can no longer change.
        return buffered > 0 || response.isCommitted();
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
        submit(new WriteOp(content, last, done));
    }

    /** A write's step threw: an Error goes on up; anything else breaks the exchange and fails the write. */
    private void writeFailed(WriteOp op, Throwable e) {
        if (e instanceof Error err) {
            throw err;
        }
        brokenBy(e);
        op.done.failed(broken);
    }

    /** A write: into the container's buffer inside {@code service()} where it fits, else through the listener. */
    private void submit(WriteOp op) {
        if (!listening) {
            if (inService && Thread.currentThread() == serviceThread) {
                int n = op.content.remaining();
                if (buffered + n <= bufferSize) {
                    // Blocking mode, and the bytes fit: Tomcat copies them into its buffer, no I/O.
                    try {
                        put(op.content, n);
                    } catch (Throwable e) { // IOException, RuntimeException, and what invokeExact declares
                        writeFailed(op, e);
                        return;
                    }
                    buffered += n;
                    op.done.succeeded();
                    return;
                }
                startListening(); // the bytes go behind the buffered ones, with the first flush
            } else {
                synchronized (this) {
                    if (!listening) {
                        // serviceReturned() sets the listener; its onWritePossible takes this, or the flush of the
                        // buffered bytes it started does.
                        if (flushing != null) {
                            behindFlush = op;
                        } else {
                            pending.set(op);
                        }
                        return;
                    }
                }
            }
        }
        synchronized (this) {
            if (flushing != null) {
                behindFlush = op;
                return;
            }
        }
        advance(op);
    }

    /** Writes {@code n} bytes of {@code c} to the stream (all of them, in blocking mode). */
    private void put(ByteBuffer c, int n) throws Throwable {
        if (c.hasArray()) {
            out.write(c.array(), c.arrayOffset() + c.position(), n);
            c.position(c.position() + n);
        } else if (bufferWrite != null) {
            // A read-only or direct buffer (the stream sample's pattern) as it is: no copy. The container may consume
            // it later (Jetty's async write): it is the transport's until done, and untouched here after.
            bufferWrite.invokeExact(out, c);
        } else {
            if (copy == null || copy.length < n) {
                copy = new byte[n];
            }
            c.get(copy, 0, n);
            out.write(copy, 0, n);
        }
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
                            put(c, n);
                        }
                        // ISAPI writes reach the client as they are made; a container would hold them in its buffer.
                        op.step = op.last || (n == 0 && buffered == 0) ? Step.DONE : Step.FLUSH;
                    }
                    case FLUSH -> {
                        out.flush();
                        buffered = 0;
                        op.step = Step.DONE;
                    }
                    default -> {
                        op.done.succeeded();
                        return;
                    }
                }
            } catch (Throwable e) { // IOException, RuntimeException, and what invokeExact declares
                writeFailed(op, e);
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
                if (buffered > 0) {
                    response.resetBuffer(); // bytes held in the container's buffer inside service(): none of them go
                }
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
        if (isCommitted()) {
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
        submit(new WriteOp(ByteBuffer.wrap(body), true, new Done() {
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
        boolean byTheMachine = ended; // complete(): nothing of the machine's is outstanding, unless a write or read is
        ended = true;
        if (!byTheMachine || pending.get() != null || demand.get() != null) {
            onError(new Ended());
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

    /** What a write or read after the exchange's end fails with; made on many completed exchanges: no stack. */
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
