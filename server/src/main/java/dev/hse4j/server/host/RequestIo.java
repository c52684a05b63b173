package dev.hse4j.server.host;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.IoCompletion;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.server.limits.Bulkhead;
import dev.hse4j.server.limits.LimitStats;
import dev.hse4j.server.limits.MinRate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session state machine of one request: every read and write an extension makes goes through here,
 * and every session ends here.
 *
 * <p>It enforces the one-outstanding rule (a second operation fails with {@link IsapiError#BUSY} and the
 * first carries on), turns every write into ≤ {@code maxPiece}-byte transport writes (16 KB on TLS),
 * delivers each asynchronous completion exactly once through the {@link CompletionDispatcher}, and ends
 * the session exactly once: when the procedure returns, at doneWithSession, on timeout, but never while an
 * operation or a completion is still in progress (a response is never cut short by its own end).
 *
 * <p>The states and the one place they change are {@link SessionState} (its Javadoc has the diagram);
 * this class does the I/O each transition calls for, over a {@link Transport} (Jetty core or a servlet
 * container), and never touches the transport's exchange end twice.
 *
 * <p>When the procedure runs on a thread that must not wait (a non-blocking extension called on Jetty's network
 * thread), its synchronous writes do not take the slot and wait: they are checked and counted as any write,
 * copied, and handed to {@link WriteBehind}, which sits between this class and the transport and keeps every
 * later write and the exchange's end in order behind the unsent copies.
 */
final class RequestIo extends SessionTimeouts.Entry {

    private static final Logger LOG = LoggerFactory.getLogger(RequestIo.class);
    private static final int FILE_BUFFER = 64 * 1024;
    private static final AtomicIntegerFieldUpdater<Op> OP_FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(Op.class, "finished");

    /** How a session ended, for the host's bookkeeping. */
    enum End { OK, ERROR, TIMEOUT }

    /** Told once, when the session is over and no extension code will run for it any more. */
    interface EndListener {
        void sessionEnded(End how);

        /** An asynchronous operation completed with this Win32 code (0 = success), for the metrics. */
        default void asyncCompleted(int code) {
        }
    }

    private final Transport transport;
    private final boolean headRequest; // HEAD: a response without a body (asked once: a wrapped request's getter)
    private final boolean lastWriteAtOnce; // the transport's sendsLastWriteAtOnce()
    // Only when the procedure runs on a network thread: its synchronous writes are written behind, never waited for.
    private final WriteBehind behind;
    private final Executor completionExecutor;
    private CompletionDispatcher dispatcher; // guarded by lock: made at the first asynchronous operation
    private final Scheduler scheduler;
    private final SessionTimeouts timeouts;
    private final BodyReader body;
    private final int maxPiece;
    private final Duration readTimeout;
    private final Duration sessionTimeout;
    private final Object logName; // its toString() is the extension's name for log lines
    private final EndListener endListener;
    private final ClassLoader extensionLoader;
    private final Bulkhead bulkhead;
    private final MinRate.Spec responseRateSpec;
    private MinRate responseRate; // guarded by lock: made at the first wait for the client
    private final LimitStats limitStats;
    private volatile Thread procThread; // the thread inside httpExtensionProc, while it is
    private ExtensionControlBlock ecb;
    private IoWatch watch; // strict mode, or null: set once before the procedure runs

    private final Object lock; // the state's own monitor: one object fewer per request
    // Everything below is guarded by lock.
    // The named states (lifecycle, slot, head, link, exchange) and the one place they change.
    private final SessionState state;
    // The operation holding the slot while it is READING, WRITING or EXTERNAL.
    private Op current;
    private IoCompletion registered;
    private Object registeredContext;
    private HseStatus doneStatus;
    private HseStatus finishStatus;
    private boolean closeAfterResponse;
    // A read found the body malformed (bad chunking): an ERROR end answers 400, not 500.
    private boolean bodyMalformed;
    // Body bytes the extension's writes have taken so far, against a declared Content-Length. The
    // one-outstanding rule makes it exact whenever a new write starts.
    private long bodyWritten;
    // The Content-Length of the head given (every head goes through applyHead), -1 if none: the transport
    // would look it up among the response's headers at each write.
    private long declaredLength = -1;
    private Scheduler.Task writeTimer;
    private boolean pieceOpen;
    private long pieceStart;
    private long pieceBytes;
    private End endHow = End.OK;

    RequestIo(Transport transport, Executor completionExecutor,
              Scheduler scheduler, SessionTimeouts timeouts, BodyReader body, Duration readTimeout,
              Duration sessionTimeout,
              Object logName, ClassLoader extensionLoader, EndListener endListener, Bulkhead bulkhead,
              MinRate.Spec responseRate, LimitStats limitStats) {
        this(transport, completionExecutor, scheduler, timeouts, body, readTimeout, sessionTimeout, logName,
                extensionLoader, endListener, bulkhead, responseRate, limitStats, -1);
    }

    /**
     * @param writeBehindLimit {@code >= 0} if the procedure will run on a network thread (a non-blocking
     *     extension called without a hand-off): its synchronous writes must never wait, so they are copied and
     *     written behind, at most this many bytes unsent; {@code -1} otherwise
     */
    RequestIo(Transport transport, Executor completionExecutor,
              Scheduler scheduler, SessionTimeouts timeouts, BodyReader body, Duration readTimeout,
              Duration sessionTimeout,
              Object logName, ClassLoader extensionLoader, EndListener endListener, Bulkhead bulkhead,
              MinRate.Spec responseRate, LimitStats limitStats, long writeBehindLimit) {
        this.bulkhead = bulkhead;
        this.responseRateSpec = responseRate;
        this.limitStats = limitStats;
        this.behind = writeBehindLimit >= 0 ? new WriteBehind(transport, writeBehindLimit, this::behindFailed) : null;
        this.transport = behind != null ? behind : transport;
        this.headRequest = "HEAD".equals(transport.method());
        this.lastWriteAtOnce = transport.sendsLastWriteAtOnce();
        this.state = new SessionState(logName);
        this.lock = state;
        this.completionExecutor = completionExecutor;
        this.scheduler = scheduler;
        this.timeouts = timeouts;
        this.body = body;
        this.maxPiece = transport.maxPiece();
        this.readTimeout = readTimeout;
        this.sessionTimeout = sessionTimeout;
        this.logName = logName;
        this.endListener = endListener;
        this.extensionLoader = extensionLoader;
    }

    /** @return the lifecycle state, for tests and diagnostics */
    SessionState.Life life() {
        synchronized (lock) {
            return state.life();
        }
    }

    /** @return this session's completion dispatcher, made on first use: synchronous requests need none */
    private CompletionDispatcher dispatcher() {
        synchronized (lock) {
            if (dispatcher == null) {
                dispatcher = new CompletionDispatcher(completionExecutor);
            }
            return dispatcher;
        }
    }

    void bind(ExtensionControlBlock ecb) {
        this.ecb = ecb;
    }

    /** @param w strict mode's watch on this request's asynchronous I/O */
    void watch(IoWatch w) {
        this.watch = w;
    }

    // ------------------------------------------------------------------ operations

    /** One I/O operation, synchronous or asynchronous; completes exactly once. */
    private abstract class Op {
        final IoCompletion completion;
        final Object context;
        final boolean sync;
        volatile int finished; // 0 until finish() ran: set once through OP_FINISHED
        private volatile boolean syncReleased; // a synchronous operation's waiter may go (guarded wakeup: this)
        volatile long bytes;
        volatile int error;
        volatile boolean cancelled;

        Op(IoCompletion completion, Object context) {
            this.completion = completion;
            this.context = context;
            this.sync = completion == null;
        }

        final boolean isDone() {
            return finished != 0;
        }

        boolean isWrite() {
            return true;
        }

        /** Finishes this operation once; later calls are ignored. */
        final void finish(long transferred, int code) {
            finish(transferred, code, true);
        }

        final void finish(long transferred, int code, boolean mayRunHere) {
            if (!OP_FINISHED.compareAndSet(this, 0, 1)) {
                return;
            }
            bytes = transferred;
            error = code;
            onFinished();
            if (sync) {
                synchronized (lock) {
                    if (current == this) {
                        current = null;
                        state.release(false);
                    }
                }
                // Most synchronous writes finish inside the transport's write, on the caller's own thread: then
                // the flag is all it takes, and the waiter never parks (no latch, no hand-off).
                syncReleased = true;
                synchronized (this) {
                    notifyAll();
                }
                return; // the waiting thread does the rest (afterOperation), not the transport's thread
            }
            boolean counted;
            synchronized (lock) {
                counted = current == this && state.release(true); // COMPLETING until the delivery starts
                if (counted) {
                    current = null;
                }
            }
            Completion c = new Completion(ecb, context, transferred, code);
            endListener.asyncCompleted(code);
            dispatcher().dispatch(() -> {
                if (counted) {
                    synchronized (lock) {
                        state.deliveryStarts(); // from here on the callback may start the next operation
                    }
                }
                Thread t = Thread.currentThread();
                ClassLoader previous = t.getContextClassLoader();
                t.setContextClassLoader(extensionLoader);
                try {
                    if (watch != null) {
                        watch.deliver(completion, c);
                    } else {
                        completion.onCompletion(c);
                    }
                } catch (Throwable x) {
                    LOG.warn("{}: completion callback threw", logName, x);
                } finally {
                    t.setContextClassLoader(previous);
                    if (counted) {
                        synchronized (lock) {
                            state.deliveryEnds();
                        }
                    }
                    afterOperation();
                }
            }, mayRunHere);
        }

        void onFinished() {
        }

        /** Waits for a synchronous operation and returns its bytes or throws its error. */
        long awaitSync(Duration timeout, int timeoutCode) throws IsapiException {
            try {
                if (!syncReleased) {
                    long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
                    synchronized (this) {
                        while (!syncReleased) {
                            if (timeout == null) {
                                wait();
                            } else {
                                long left = deadline - System.nanoTime();
                                if (left <= 0) {
                                    break;
                                }
                                TimeUnit.NANOSECONDS.timedWait(this, left);
                            }
                        }
                    }
                    if (!syncReleased) {
                        finish(bytes, timeoutCode);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finish(bytes, IsapiError.OPERATION_ABORTED);
            }
            afterOperation(); // a session end that waited for this operation happens on this thread
            if (error != IsapiError.NO_ERROR) {
                throw new IsapiException(error, describe(error));
            }
            return bytes;
        }
    }

    /** Writes segments in order, each cut into pieces of at most maxPiece bytes. */
    private final class WriteOp extends Op implements Transport.Done {
        private final List<Segment> segments;
        private final boolean last;
        private final boolean disconnectAfter;
        // Only for a write of more than one piece (or a file, or the final send): most writes are one piece.
        private Iterator iterator;
        private Segment.Memory single; // the one piece written without the iterator
        // Jetty's callback for each piece: notes the piece done (most complete inside write(), and then need no
        // timer) before handing over to the iterator.
        private final Transport.Done piece = new Transport.Done() {
            @Override
            public void succeeded() {
                pieceCompleted();
                iterator.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                pieceCompleted();
                iterator.failed(x);
            }
        };
        private int index;
        private long sent;
        private ByteBuffer fileBuffer;
        private boolean finalSend; // it completes the declared Content-Length: one piece goes as the final send

        WriteOp(List<Segment> segments, boolean last, boolean disconnectAfter, IoCompletion completion, Object context) {
            super(completion, context);
            this.segments = segments;
            this.last = last;
            this.disconnectAfter = disconnectAfter;
        }

        /** This write completes the declared Content-Length (see {@link #reserveBody}). */
        void finalSend() {
            finalSend = true;
        }

        void start() {
            Segment.Memory m = singlePiece();
            if (m != null) {
                single = m;
                int n = m.buffer().remaining();
                pieceStarts(n);
                transport.write(finalSend, m.buffer().slice(), this);
                armIfPending();
                return;
            }
            iterator = new Iterator();
            iterator.iterate();
        }

        /** @return the segment if this write is one non-empty piece of memory and not the final send, else null */
        private Segment.Memory singlePiece() {
            if (last || segments.size() != 1 || !(segments.get(0) instanceof Segment.Memory m)) {
                return null;
            }
            int n = m.buffer().remaining();
            return n > 0 && n <= maxPiece ? m : null;
        }

        /** The single piece is written. */
        @Override
        public void succeeded() {
            pieceCompleted();
            ByteBuffer b = single.buffer();
            int n = b.remaining();
            if (single.taken() != null) {
                single.taken().taken(b, b.position(), n);
            }
            b.position(b.position() + n);
            sent = n;
            if (disconnectAfter) {
                closeAfterResponse();
            }
            finish(n, IsapiError.NO_ERROR);
        }

        /** The single piece failed. */
        @Override
        public void failed(Throwable x) {
            pieceCompleted();
            LOG.debug("{}: write failed", logName, x);
            finish(0, writeErrorCode(WriteOp.this));
        }

        @Override
        void onFinished() {
            Segment.closeOwned(segments);
        }

        private final class Iterator extends IteratingCallback {
            private int pending;
            private Segment.Memory pendingMemory;
            private boolean lastWritten;

            @Override
            protected Action process() throws Throwable {
                if (pendingMemory != null) {
                    ByteBuffer b = pendingMemory.buffer();
                    if (pendingMemory.taken() != null) {
                        pendingMemory.taken().taken(b, b.position(), pending);
                    }
                    b.position(b.position() + pending);
                    pendingMemory = null;
                }
                sent += pending;
                pending = 0;
                while (index < segments.size()) {
                    Segment s = segments.get(index);
                    if (s instanceof Segment.Memory m) {
                        ByteBuffer b = m.buffer();
                        if (!b.hasRemaining()) {
                            index++;
                            continue;
                        }
                        int n = Math.min(b.remaining(), maxPiece);
                        pending = n;
                        pendingMemory = m;
                        pieceStarts(n);
                        transport.write(false, b.slice(b.position(), n), piece);
                        armIfPending();
                        return Action.SCHEDULED;
                    }
                    Segment.FileRegion f = (Segment.FileRegion) s;
                    long done = fileProgress;
                    if (done >= f.length()) {
                        fileProgress = 0;
                        index++;
                        continue;
                    }
                    if (fileBuffer == null) {
                        fileBuffer = ByteBuffer.allocate((int) Math.min(Math.min(FILE_BUFFER, maxPiece), f.length()));
                    }
                    fileBuffer.clear();
                    fileBuffer.limit((int) Math.min(fileBuffer.capacity(), f.length() - done));
                    while (fileBuffer.hasRemaining()) {
                        int r = f.channel().read(fileBuffer, f.offset() + done + fileBuffer.position());
                        if (r < 0) {
                            throw new IOException("the file ended early (truncated while sending?)");
                        }
                    }
                    fileBuffer.flip();
                    pending = fileBuffer.remaining();
                    fileProgress += pending;
                    pieceStarts(pending);
                    transport.write(false, fileBuffer, piece);
                    armIfPending();
                    return Action.SCHEDULED;
                }
                if (last && !lastWritten) {
                    lastWritten = true;
                    pieceStarts(0);
                    transport.write(true, BufferUtil.EMPTY_BUFFER, piece);
                    armIfPending();
                    return Action.SCHEDULED;
                }
                return Action.SUCCEEDED;
            }

            private long fileProgress;

            @Override
            protected void onCompleteSuccess() {
                if (disconnectAfter) {
                    closeAfterResponse();
                }
                finish(sent, IsapiError.NO_ERROR);
            }

            @Override
            protected void onCompleteFailure(Throwable cause) {
                LOG.debug("{}: write failed", logName, cause);
                finish(sent, writeErrorCode(WriteOp.this));
            }
        }
    }

    /** A Jetty write of {@code bytes} starts: the client must take it at the minimum response rate. */
    private void pieceStarts(long bytes) {
        synchronized (lock) {
            pieceStart = System.nanoTime();
            pieceBytes = bytes;
            pieceOpen = true;
        }
    }

    /**
     * After handing a piece to Jetty: if it is still under way, times it. Most pieces are done by now
     * (the kernel took them), so most writes cost no timer.
     */
    private void armIfPending() {
        synchronized (lock) {
            if (!pieceOpen || writeTimer != null || !responseRateSpec.enabled()) {
                return;
            }
            if (responseRate == null) {
                responseRate = responseRateSpec.start();
            }
            long limit = responseRate.startWait(pieceStart, pieceBytes) - (System.nanoTime() - pieceStart);
            writeTimer = scheduler.schedule(this::writeTooSlow, Math.max(0, limit), TimeUnit.NANOSECONDS);
        }
    }

    /** Jetty finished the piece under way (either way). */
    private void pieceCompleted() {
        synchronized (lock) {
            if (!pieceOpen) {
                return;
            }
            pieceOpen = false;
            if (writeTimer != null) {
                writeTimer.cancel();
                writeTimer = null;
                responseRate.endWait(System.nanoTime());
            }
            if (responseRate != null) { // (before any wait the bucket is full: nothing to credit)
                responseRate.transferred(pieceBytes);
            }
        }
    }

    /** The client takes the response slower than the minimum rate: the write fails and the connection goes. */
    private void writeTooSlow() {
        synchronized (lock) {
            if (writeTimer == null) {
                return;
            }
            writeTimer = null;
            state.linkBroken(SessionState.Link.TOO_SLOW);
        }
        limitStats.slowResponse();
        LOG.info("{} {}: the client takes the response slower than {} bytes/s; connection closed", logName,
                transport.pathQuery(), responseRateSpec.bytesPerSecond());
        abortJetty(new IOException("the client takes the response too slowly"));
        transport.closeConnection();
    }

    /**
     * The body broke a limit (too slow: 408, too large: 413): the server answers the client itself, at once,
     * whatever the extension does next (its later writes fail with the read's code).
     */
    private void answerForLimit(int status, String message) {
        synchronized (lock) {
            if (state.link() == SessionState.Link.CLOSED_BY_EXTENSION
                    || !state.endExchange(SessionState.Exchange.ANSWERED)) {
                return;
            }
            state.linkBroken(status == 408 ? SessionState.Link.ANSWERED_408 : SessionState.Link.ANSWERED_413);
        }
        if (status == 408) {
            limitStats.slowBody();
        } else {
            limitStats.tooLarge();
        }
        LOG.info("{} {}: {}; answered {}", logName, transport.pathQuery(), message, status);
        // If the response had started, this closes the connection: all that can be done then.
        transport.error(status, message, true);
    }

    /** Reads into one buffer. */
    private final class ReadOp extends Op {
        private final ByteBuffer dst;

        ReadOp(ByteBuffer dst, IoCompletion completion, Object context) {
            super(completion, context);
            this.dst = dst;
        }

        @Override
        boolean isWrite() {
            return false;
        }

        void attempt() {
            attempt(true);
        }

        /** @param mayRunHere false inside a Jetty demand callback, where no extension code may run */
        void attempt(boolean mayRunHere) {
            if (isDone()) {
                return; // cancelled or timed out: leave the data for the next read
            }
            int n;
            try {
                n = body.read(dst);
            } catch (BodyReader.TooSlow e) {
                answerForLimit(408, e.getMessage());
                finish(0, IsapiError.TIMEOUT, mayRunHere);
                return;
            } catch (BodyReader.TooLarge e) {
                answerForLimit(413, e.getMessage());
                finish(0, IsapiError.FILE_TOO_LARGE, mayRunHere);
                return;
            } catch (IOException e) {
                synchronized (lock) {
                    boolean malformed = BodyReader.isMalformed(e);
                    if (!malformed) {
                        state.linkBroken(SessionState.Link.CLIENT_GONE);
                    }
                    bodyMalformed |= malformed;
                }
                finish(0, readErrorCode(e), mayRunHere);
                return;
            }
            if (n == BodyReader.NOTHING_YET) {
                body.awaitData(() -> attempt(false));
            } else {
                finish(n, IsapiError.NO_ERROR, mayRunHere);
            }
        }
    }

    /**
     * An asynchronous operation carried out outside this class: a child request of EXEC_URL
     * ({@link ChildRequests}). It holds the one-outstanding slot from {@link #beginExternal} until
     * {@link #complete}, its bytes go out through {@link #write}, and its completion is delivered as any other.
     */
    final class External extends Op {
        External(IoCompletion completion, Object context) {
            super(completion, context);
        }

        /** Sends a child's status and headers as this response's. @return false if headers were already sent */
        boolean head(ResponseHead head) {
            synchronized (lock) {
                if (state.head() != SessionState.Head.NONE) {
                    return false;
                }
                applyHead(head);
                return true;
            }
        }

        /** Writes a child's body bytes into this response; fails once this operation has ended. */
        void write(ByteBuffer b, Transport.Done cb) {
            if (isDone()) {
                cb.failed(new IOException("the parent request's operation has ended"));
                return;
            }
            synchronized (lock) {
                sendDefaultHeadIfNeeded();
                bodyWritten += b.remaining(); // the child's bytes count against the declared length too
            }
            transport.write(false, b, cb);
        }

        /** Ends the operation once; its completion follows as for any asynchronous operation. */
        void complete(long transferred, int code) {
            finish(transferred, code);
        }
    }

    /**
     * Takes the one-outstanding slot for an {@link External} operation completing through the registered
     * completion.
     *
     * @param childSendsHeaders the operation will send this response's headers: refused if they were sent
     */
    External beginExternal(boolean childSendsHeaders) throws IsapiException {
        External op = new External(requireCompletion(null), contextFor(null, null));
        begin(op, SessionState.Slot.EXTERNAL);
        synchronized (lock) {
            if (childSendsHeaders && state.head() != SessionState.Head.NONE) {
                current = null;
                state.release(false);
                throw new IsapiException(IsapiError.INVALID_OPERATION,
                        "the response headers were already sent: run the child with NO_HEADERS");
            }
        }
        return op;
    }

    private void begin(Op op, SessionState.Slot kind) throws IsapiException {
        synchronized (lock) {
            checkStart(kind != SessionState.Slot.READING);
            state.take(kind);
            current = op;
        }
    }

    /** The checks an operation makes before it takes the slot; under the lock. */
    private void checkStart(boolean write) throws IsapiException {
        checkOpen();
        if (state.busy()) {
            throw new IsapiException(IsapiError.BUSY,
                    "another I/O operation is pending on this request; wait for its completion");
        }
        switch (state.link()) {
            case CLOSED_BY_EXTENSION:
                throw new IsapiException(IsapiError.NETNAME_DELETED, "the connection was closed by closeConnection");
            case ANSWERED_408:
                throw new IsapiException(IsapiError.TIMEOUT,
                        "the server already answered 408: the request body arrived too slowly");
            case ANSWERED_413:
                throw new IsapiException(IsapiError.FILE_TOO_LARGE,
                        "the server already answered 413: the request body is too large");
            case CLIENT_GONE:
                if (write) {
                    throw new IsapiException(IsapiError.OPERATION_ABORTED, "the client is gone");
                }
                break;
            default:
                break;
        }
        if (write && state.head() == SessionState.Head.COMPLETE) {
            throw new IsapiException(IsapiError.INVALID_OPERATION, "the response was already completed (final send)");
        }
    }

    private void checkOpen() throws IsapiException {
        if (!state.life().open()) {
            throw new IsapiException(IsapiError.INVALID_OPERATION, "the session has ended (or is ending)");
        }
    }

    private IoCompletion requireCompletion(IoCompletion own) throws IsapiException {
        if (own != null) {
            return own;
        }
        synchronized (lock) {
            if (registered == null) {
                throw new IsapiException(IsapiError.INVALID_PARAMETER,
                        "no completion registered: call ioCompletion(callback, context) first");
            }
            return registered;
        }
    }

    private Object contextFor(IoCompletion own, Object ownContext) {
        if (own != null) {
            return ownContext;
        }
        synchronized (lock) {
            return registeredContext;
        }
    }

    void ioCompletion(IoCompletion completion, Object context) {
        synchronized (lock) {
            registered = completion;
            registeredContext = context;
        }
    }

    /**
     * Starts a write of the given segments. With a null completion it is synchronous and returns the bytes.
     * The files among the segments are this call's from here on: it closes them when the write ends, or
     * at once if it throws.
     */
    long write(List<Segment> segments, ResponseHead head, boolean last, boolean disconnectAfter,
               IoCompletion ownCompletion, Object ownContext, boolean async) throws IsapiException {
        if (!async && behind != null && Thread.currentThread() == procThread) {
            return writeWithoutWaiting(segments, head, last, disconnectAfter);
        }
        WriteOp op = null;
        try {
            IoCompletion c = async ? requireCompletion(ownCompletion) : null;
            Object ctx = async ? contextFor(ownCompletion, ownContext) : null;
            WriteOp w = new WriteOp(async && watch != null ? watch.asyncWrite(segments) : segments, last,
                    disconnectAfter, c, ctx);
            begin(w, SessionState.Slot.WRITING);
            op = w;
            synchronized (lock) {
                if (head != null && state.head() != SessionState.Head.NONE) {
                    throw new IsapiException(IsapiError.INVALID_OPERATION, "the response headers were already sent");
                }
                if (reserveBody(Segment.length(segments), head)) {
                    w.finalSend();
                }
                if (head != null) {
                    applyHead(head);
                }
                sendDefaultHeadIfNeeded();
                if (last) {
                    state.bodyComplete();
                }
            }
        } catch (IsapiException e) {
            if (op != null) {
                synchronized (lock) {
                    current = null;
                    state.release(false); // withdrawn before it started
                }
            }
            Segment.closeOwned(segments);
            throw e;
        }
        if (async) {
            CompletionDispatcher d = dispatcher();
            d.enterInitiation();
            try {
                op.start();
            } finally {
                d.exitInitiation();
            }
            return 0;
        }
        boolean counted = holdsThreadOutsideProc();
        try {
            op.start();
            return op.awaitSync(null, IsapiError.TIMEOUT);
        } finally {
            if (counted) {
                bulkhead.exit();
            }
        }
    }

    /**
     * A synchronous write on the network thread a non-blocking extension's procedure runs on: it must not wait
     * for the client, so its bytes are copied (the caller's buffers are free when it returns, as for any
     * synchronous write) and handed to {@link WriteBehind}, which sends them in order behind what is unsent.
     * The checks and the bookkeeping are a synchronous write's; only the wait is gone.
     */
    private long writeWithoutWaiting(List<Segment> segments, ResponseHead head, boolean last, boolean disconnectAfter)
            throws IsapiException {
        ByteBuffer copy;
        long n;
        boolean completes;
        try {
            n = Segment.length(segments);
            synchronized (lock) {
                checkWritable();
                if (head != null && state.head() != SessionState.Head.NONE) {
                    throw new IsapiException(IsapiError.INVALID_OPERATION, "the response headers were already sent");
                }
                if (behind.behind() + n > behind.limit()) {
                    throw new IsapiException(IsapiError.WSAEWOULDBLOCK, "a synchronous write of " + n
                            + " bytes on the network thread would wait: " + behind.behind()
                            + " bytes are still unsent and at most " + behind.limit()
                            + " may be (nonBlocking extension, --write-behind-limit); write large bodies "
                            + "asynchronously. Nothing was sent");
                }
                completes = reserveBody(n, head);
            }
            copy = copyOf(segments, (int) n);
        } finally {
            Segment.closeOwned(segments);
        }
        WriteBehind.Queued queued;
        synchronized (lock) {
            if (head != null) {
                applyHead(head);
            }
            sendDefaultHeadIfNeeded();
            if (last) {
                state.bodyComplete();
            }
        }
        queued = n == 0 && !last && !completes ? WriteBehind.Queued.YES : behind.writeBehind(copy, last || completes);
        if (queued != WriteBehind.Queued.YES) {
            synchronized (lock) {
                state.linkBroken(SessionState.Link.CLIENT_GONE);
            }
            throw new IsapiException(IsapiError.OPERATION_ABORTED, describe(IsapiError.OPERATION_ABORTED));
        }
        if (disconnectAfter) {
            closeAfterResponse();
        }
        return n;
    }

    /**
     * A write's checks (see {@link #checkStart}), and one more: a write behind never fails later with the slow
     * client's 1460, so it is refused at once once the client was found too slow.
     */
    private void checkWritable() throws IsapiException {
        checkStart(true);
        if (state.link() == SessionState.Link.TOO_SLOW) {
            throw new IsapiException(IsapiError.TIMEOUT, describe(IsapiError.TIMEOUT));
        }
    }

    /** Copies the segments' bytes (memory and file regions) into one buffer; memory buffers advance as if sent. */
    private static ByteBuffer copyOf(List<Segment> segments, int n) throws IsapiException {
        ByteBuffer copy = ByteBuffer.allocate(n);
        for (Segment s : segments) {
            if (s instanceof Segment.Memory m) {
                ByteBuffer b = m.buffer();
                int from = b.position();
                int len = b.remaining();
                copy.put(b.duplicate());
                if (m.taken() != null) {
                    m.taken().taken(b, from, len); // the server is done with these bytes: the buffer is free
                }
                b.position(from + len);
            } else {
                Segment.FileRegion f = (Segment.FileRegion) s;
                try {
                    for (long read = 0; read < f.length(); ) {
                        ByteBuffer window = copy.slice(copy.position(), (int) (f.length() - read));
                        int r = f.channel().read(window, f.offset() + read);
                        if (r < 0) {
                            throw new IsapiException(IsapiError.HANDLE_EOF, "the file ended early (truncated while sending?)");
                        }
                        read += r;
                        copy.position(copy.position() + r);
                    }
                } catch (IOException e) {
                    LOG.debug("reading a file region for a synchronous write behind failed", e);
                    throw new IsapiException(IsapiError.READ_FAULT, "the file could not be read");
                }
            }
        }
        return copy.flip();
    }

    /** A copied write failed (the client is gone): the extension's next operation fails as after any failed write. */
    private void behindFailed(Throwable cause) {
        LOG.debug("{}: a write behind failed", logName, cause);
        synchronized (lock) {
            state.linkBroken(SessionState.Link.CLIENT_GONE);
        }
    }

    /**
     * A synchronous operation outside httpExtensionProc (a PENDING request's worker, a completion) parks a
     * thread too: it counts in the extension's bulkhead while it waits (never refused: it cannot be, midway).
     */
    private boolean holdsThreadOutsideProc() {
        if (Thread.currentThread() == procThread) {
            return false;
        }
        bulkhead.enter();
        return true;
    }

    /**
     * Counts a write's bytes against the declared Content-Length (the one {@code head} brings, else the
     * one already set), refusing at once, with nothing sent, a write that would go past it: Jetty would
     * otherwise fail it halfway and take the connection with it, though the client is fine.
     *
     * @return whether the body is now all of the declared Content-Length and the transport sends a last write
     *     at once: then this write is the response's final send for the transport (Jetty ends the response with
     *     it, instead of with a second, empty write when the session ends); the extension may still make empty
     *     writes, which send nothing
     */
    private boolean reserveBody(long adding, ResponseHead head) throws IsapiException {
        long declared = head != null ? head.contentLength() : declaredLength;
        int status = head != null ? head.status() : transport.status();
        if (declared >= 0 && bodyAllowed(status) && bodyWritten + adding > declared) {
            throw new IsapiException(IsapiError.HANDLE_EOF, "this write of " + adding
                    + " bytes would go past the declared Content-Length: " + declared + " (" + bodyWritten
                    + " already written); nothing of it was sent");
        }
        bodyWritten += adding;
        return lastWriteAtOnce && declared >= 0 && bodyWritten == declared && bodyAllowed(status);
    }

    /** @return whether a response with this status has a body at all (not for HEAD, 1xx, 204, 304) */
    private boolean bodyAllowed(int status) {
        return !headRequest && status >= 200 && status != 204 && status != 304;
    }

    int read(ByteBuffer dst, boolean async) throws IsapiException {
        if (dst == null || !dst.hasRemaining() || dst.isReadOnly()) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "the buffer must be writable with room for a byte");
        }
        IoCompletion c = async ? requireCompletion(null) : null;
        ReadOp op = new ReadOp(dst, c, async ? contextFor(null, null) : null);
        begin(op, SessionState.Slot.READING);
        if (async) {
            CompletionDispatcher d = dispatcher();
            d.enterInitiation();
            try {
                op.attempt();
            } finally {
                d.exitInitiation();
            }
            return 0;
        }
        boolean counted = holdsThreadOutsideProc();
        try {
            op.attempt();
            return (int) op.awaitSync(readTimeout, IsapiError.TIMEOUT);
        } finally {
            if (counted) {
                bulkhead.exit();
            }
        }
    }

    private int writeErrorCode(Op op) {
        synchronized (lock) {
            if (state.link() == SessionState.Link.CLOSED_BY_EXTENSION) {
                return IsapiError.NETNAME_DELETED;
            }
            if (state.link() == SessionState.Link.TOO_SLOW) {
                return IsapiError.TIMEOUT;
            }
            if (!op.cancelled) {
                state.linkBroken(SessionState.Link.CLIENT_GONE);
            }
        }
        return IsapiError.OPERATION_ABORTED;
    }

    private int readErrorCode(IOException e) {
        synchronized (lock) {
            if (state.link() == SessionState.Link.CLOSED_BY_EXTENSION) {
                return IsapiError.NETNAME_DELETED;
            }
        }
        if (BodyReader.isMalformed(e)) {
            return IsapiError.READ_FAULT;
        }
        return IsapiError.OPERATION_ABORTED;
    }

    private static String describe(int code) {
        switch (code) {
            case IsapiError.OPERATION_ABORTED: return "the client is gone or the operation was cancelled";
            case IsapiError.NETNAME_DELETED: return "the connection was closed by closeConnection";
            case IsapiError.TIMEOUT: return "the client was too slow (read timeout, or below the minimum data rate)";
            case IsapiError.READ_FAULT: return "the request body is malformed";
            case IsapiError.HANDLE_EOF: return "the write would go past the declared Content-Length";
            case IsapiError.FILE_TOO_LARGE: return "the request body is larger than the extension accepts";
            default: return "I/O failed";
        }
    }

    // ------------------------------------------------------------------ headers

    void sendResponseHeader(ResponseHead head, boolean keepConn) throws IsapiException {
        synchronized (lock) {
            checkOpen();
            if (state.busy()) {
                throw new IsapiException(IsapiError.BUSY, "an I/O operation is pending on this request");
            }
            if (state.head() != SessionState.Head.NONE) {
                throw new IsapiException(IsapiError.INVALID_OPERATION, "the response headers were already sent");
            }
            applyHead(head);
            if (!keepConn) {
                transport.closeAfterResponse();
            }
        }
    }

    private void applyHead(ResponseHead head) {
        declaredLength = head.contentLength();
        transport.head(head.status(), head.fields());
        state.headSent();
    }

    private int defaultStatus = 200;

    void setDefaultStatus(int status) {
        synchronized (lock) {
            defaultStatus = status;
        }
    }

    private void sendDefaultHeadIfNeeded() {
        if (state.head() == SessionState.Head.NONE) {
            transport.status(defaultStatus);
            state.headSent();
        }
    }

    // ------------------------------------------------------------------ connection

    boolean isConnected() {
        synchronized (lock) {
            if (state.link() != SessionState.Link.OPEN
                    || state.exchange() != SessionState.Exchange.OPEN && endHow != End.OK) {
                return false;
            }
        }
        return transport.isOpen();
    }

    boolean isKeepConn() {
        synchronized (lock) {
            if (state.link() == SessionState.Link.CLOSED_BY_EXTENSION || closeAfterResponse) {
                return false;
            }
        }
        return !transport.closesAfterResponse() && transport.isPersistent();
    }

    void closeConnection() {
        Op op;
        synchronized (lock) {
            if (state.link() == SessionState.Link.CLOSED_BY_EXTENSION) {
                return;
            }
            state.linkBroken(SessionState.Link.CLOSED_BY_EXTENSION);
            op = current;
        }
        // HTTP/1: the connection itself goes, at once (no error page is written first).
        transport.closeConnection();
        abortJetty(new IOException("connection closed by the extension (closeConnection)"));
        if (op != null && !op.isWrite()) {
            op.finish(0, IsapiError.NETNAME_DELETED);
        }
    }

    void cancelIo() {
        Op op;
        synchronized (lock) {
            op = current;
        }
        if (op == null) {
            return;
        }
        op.cancelled = true;
        if (op.isWrite()) {
            // A half-written response cannot be continued: the exchange is aborted.
            abortJetty(new IOException("write cancelled by the extension (cancelIo)"));
        } else {
            op.finish(0, IsapiError.OPERATION_ABORTED);
        }
    }

    private void closeAfterResponse() {
        synchronized (lock) {
            closeAfterResponse = true;
        }
        transport.closeAfterResponse();
    }

    /** Ends the Jetty exchange once with an error page, or, if the response has started, as {@link #abortJetty}. */
    private void abortJettyWithError(int status, String message) {
        synchronized (lock) {
            if (!state.endExchange(SessionState.Exchange.ANSWERED)) {
                return;
            }
        }
        transport.error(status, message, false);
    }

    /**
     * Fails the Jetty exchange once (closes an HTTP/1 connection, resets an HTTP/2 stream). While the procedure
     * runs, the exchange's end may be held until it returns (see {@link HeldCallback}): an HTTP/1 connection is
     * then closed here, so that the client learns at once.
     */
    private void abortJetty(Throwable why) {
        synchronized (lock) {
            if (!state.endExchange(SessionState.Exchange.FAILED)) {
                return;
            }
        }
        if (procThread != null) {
            transport.closeConnection();
        }
        transport.fail(why);
    }

    // ------------------------------------------------------------------ session end

    /**
     * The session starts: the session timeout runs from here, so a procedure that hangs is answered too
     * (its thread cannot be reclaimed, but the client is not left waiting).
     *
     * <p>Except for a procedure on the network thread (a non-blocking one, which writes behind): it returns
     * promptly by declaration (strict mode reports one that does not), so its session timeout runs from its
     * return, and only if the session outlives it (see {@link #procReturned}). Most such sessions end inside
     * the return and never take the timeouts' lock; the timeout is late by the procedure's run.
     */
    void start() {
        procThread = Thread.currentThread();
        if (behind == null) {
            timeouts.add(this, sessionTimeout.toNanos());
        }
    }

    /** The procedure returned {@code status}. */
    void procReturned(HseStatus status) {
        procThread = null;
        boolean finishNow = false;
        boolean close = false;
        synchronized (lock) {
            if (!state.on(status == HseStatus.PENDING ? SessionState.Event.PROC_RETURNED_PENDING
                    : SessionState.Event.PROC_RETURNED)) {
                LOG.warn("{}: the procedure returned in state {}", logName, state);
                return;
            }
            switch (state.life()) {
                case ENDING:
                    // After doneWithSession during the procedure, a PENDING return takes its status.
                    finishStatus = status == HseStatus.PENDING ? doneStatus : status;
                    finishNow = state.on(SessionState.Event.FINISH); // else when the slot goes idle
                    break;
                case ENDED:
                    close = state.on(SessionState.Event.CLOSE); // timed out while the procedure still ran
                    break;
                default:
                    break; // PENDING: doneWithSession ends it
            }
            if (behind != null && !finishNow && !state.life().ended()) { // timed from here: see start()
                // Under the lock, so a finish (which removes the entry under it) cannot come between.
                timeouts.add(this, sessionTimeout.toNanos());
            }
        }
        if (finishNow) {
            doFinish();
        } else if (close) {
            endListener.sessionEnded(endHow);
        }
    }

    void doneWithSession(HseStatus status) throws IsapiException {
        boolean finishNow;
        synchronized (lock) {
            SessionState.Life life = state.life();
            if (life.ended()) {
                throw new IsapiException(IsapiError.INVALID_OPERATION, "the session has already ended");
            }
            if (doneStatus != null) {
                throw new IsapiException(IsapiError.INVALID_OPERATION, "doneWithSession was already called");
            }
            if (life == SessionState.Life.ENDING) {
                throw new IsapiException(IsapiError.INVALID_OPERATION,
                        "httpExtensionProc did not return PENDING; the server already ends this request");
            }
            doneStatus = status == null ? HseStatus.SUCCESS : status;
            state.on(SessionState.Event.DONE_WITH_SESSION);
            if (state.life() != SessionState.Life.ENDING) {
                return; // the procedure is still running; its return ends the session
            }
            finishStatus = doneStatus;
            finishNow = state.on(SessionState.Event.FINISH); // else when the slot goes idle
        }
        if (finishNow) {
            doFinish();
        }
    }

    /** An operation or a completion is over: a session end that waited for it happens now. */
    private void afterOperation() {
        boolean finishNow = false;
        boolean notify = false;
        synchronized (lock) {
            if (!state.idle()) {
                return;
            }
            if (state.life() == SessionState.Life.ENDING) {
                finishNow = state.on(SessionState.Event.FINISH);
            } else if (state.life() == SessionState.Life.ENDED) {
                notify = state.on(SessionState.Event.CLOSE);
            }
        }
        if (finishNow) {
            doFinish();
        } else if (notify) {
            endListener.sessionEnded(endHow);
        }
    }

    private void doFinish() {
        HseStatus status;
        boolean alreadyAborted;
        boolean malformed;
        long shortBy = 0;
        synchronized (lock) {
            status = finishStatus;
            timeouts.remove(this);
            alreadyAborted = state.exchange() != SessionState.Exchange.OPEN;
            sendDefaultHeadIfNeeded();
            long declared = declaredLength;
            if (status != HseStatus.ERROR && declared > bodyWritten && bodyAllowed(transport.status()) && !alreadyAborted) {
                shortBy = declared - bodyWritten;
                status = HseStatus.ERROR;
            }
            if (status == HseStatus.ERROR) {
                endHow = End.ERROR;
            }
            malformed = bodyMalformed;
            if (!alreadyAborted) {
                state.endExchange(status != HseStatus.ERROR ? SessionState.Exchange.COMPLETED
                        : transport.isCommitted() ? SessionState.Exchange.FAILED : SessionState.Exchange.ANSWERED);
            }
        }
        if (shortBy > 0) {
            // The client would wait for bytes that never come, until the idle timeout: end it now.
            LOG.error("extension {} declared a Content-Length {} bytes longer than it wrote for {} {}; "
                    + "connection closed", logName, shortBy, transport.method(), transport.pathQuery());
        }
        if (!alreadyAborted) {
            body.close();
            if (status == HseStatus.ERROR) {
                if (!transport.isCommitted()) {
                    transport.error(malformed ? 400 : 500, malformed
                            ? "the request body is malformed" : "the extension could not answer this request", false);
                } else {
                    transport.closeConnection();
                    transport.fail(new IOException("the extension failed after the response started"));
                }
            } else {
                transport.complete();
            }
        }
        notifyEnd();
    }

    private void notifyEnd() {
        synchronized (lock) {
            if (state.life() != SessionState.Life.ENDED || !state.on(SessionState.Event.CLOSE)) {
                return; // the procedure still runs, or an operation or completion is outstanding
            }
        }
        endListener.sessionEnded(endHow);
    }

    @Override
    void expired() {
        abortSession(End.TIMEOUT, "session timeout: doneWithSession was not called in time");
    }

    /**
     * The extension's version was retired and its drain timeout ran out with this session still open: the
     * session ends now, as on a session timeout (counted as an error).
     */
    void abortForUnload() {
        abortSession(End.ERROR, "drain timeout: the extension version serving this request is being unloaded");
    }

    private void abortSession(End how, String why) {
        Op op;
        synchronized (lock) {
            if (!state.on(SessionState.Event.ABORT)) {
                return; // already ended
            }
            endHow = how;
            op = current;
        }
        if (how == End.TIMEOUT) {
            LOG.warn("session timeout: {} {} did not call doneWithSession within {} ms; response aborted",
                    logName, transport.pathQuery(), sessionTimeout.toMillis());
        } else {
            LOG.warn("{} {}: {}; response aborted", logName, transport.pathQuery(), why);
        }
        timeouts.remove(this);
        body.close();
        if (op == null) {
            // Nothing in flight: if nothing was sent either, the client gets a plain 500 saying why.
            abortJettyWithError(500, how == End.TIMEOUT ? "the extension did not finish this request in time"
                    : "the extension was unloaded before it finished this request");
        } else {
            abortJetty(new IOException(why));
        }
        if (op != null) {
            op.finish(op.bytes, IsapiError.OPERATION_ABORTED);
        }
        notifyEnd();
    }
}
