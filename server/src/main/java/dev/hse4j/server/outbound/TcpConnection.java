package dev.hse4j.server.outbound;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ConnectCallback;
import dev.hse4j.api.ConnectCompletion;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.IoCompletion;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.OutboundConnection;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbound connection: a Netty channel driven in the API's terms (one operation per direction,
 * completions on server threads, Winsock codes).
 *
 * <pre>
 *   CONNECTING ──connect+first data ok──▶ OPEN ──close()/abort()──▶ CLOSED
 *       │                                  │
 *       │ connect failed                   │ peer reset / server closed it
 *       ▼                                  ▼
 *   FORCED_CLOSED ◀────────────────────────┘ ──close()──▶ CLOSED
 * </pre>
 * Every transition goes through {@link #transition}. In FORCED_CLOSED, I/O fails with the code that
 * forced it; in CLOSED, with 4317.
 *
 * <p>Reading: the channel reads while nothing waits unread (Netty's auto-read on), so a receive posted
 * before the bytes arrive costs no change of the socket's epoll interest (turning it on for every receive
 * and off after it cost two {@code epoll_ctl} calls per request-response). Bytes that arrive with no receive
 * pending, or more than the pending receive's buffer takes, are kept (one socket read) and reading pauses
 * ({@link #paused}) until a receive has taken them all: nothing is buffered beyond one socket read.
 */
final class TcpConnection implements OutboundConnection {

    private static final Logger LOG = LoggerFactory.getLogger(TcpConnection.class);

    /** The connection's states; see the class diagram. */
    enum State { CONNECTING, OPEN, FORCED_CLOSED, CLOSED }

    /** A pending send or receive. */
    private record Op(ByteBuffer buffer, IoCompletion completion, Object context) {
    }

    private final long id;
    private final ExtensionOutbound owner;
    private final ExtensionControlBlock ecb;
    private final InetSocketAddress remote;
    private final Instant openedAt = Instant.now();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();

    // guarded by this
    private State state = State.CONNECTING;
    private int forcedCode;
    private boolean outputShut;
    private boolean inputEnded;
    private Op pendingSend;
    private Op pendingReceive;
    private ConnectCallback connectCallback;
    private Object connectContext;
    private ByteBuf unread; // a received chunk the caller's buffer could not take whole
    private boolean paused; // reading stopped (auto-read off) because {@code unread} holds bytes
    private volatile Channel channel;
    private volatile boolean firstDataInSyn;
    private volatile InetSocketAddress local;

    TcpConnection(long id, ExtensionOutbound owner, ExtensionControlBlock ecb, InetSocketAddress remote,
                  ConnectCallback callback, Object context) {
        this.id = id;
        this.owner = owner;
        this.ecb = ecb;
        this.remote = remote;
        this.connectCallback = callback;
        this.connectContext = context;
    }

    /**
     * The one place the state changes: CONNECTING→OPEN, CONNECTING/OPEN→FORCED_CLOSED (with its code), and
     * anything but CLOSED→CLOSED.
     *
     * @return the state before, or {@code null} if the transition is not allowed from the current state
     */
    private synchronized State transition(State to, int code) {
        State from = state;
        boolean ok = switch (to) {
            case OPEN -> from == State.CONNECTING;
            case FORCED_CLOSED -> from == State.CONNECTING || from == State.OPEN;
            case CLOSED -> from != State.CLOSED;
            case CONNECTING -> false;
        };
        if (!ok) {
            return null;
        }
        state = to;
        if (to == State.FORCED_CLOSED) {
            forcedCode = code;
        }
        return from;
    }

    /** Starts the connect; the first data (may be empty) is the server's until the connect completion. */
    void start(Transport transport, int connectTimeoutMillis, ByteBuffer firstData) {
        int firstLength = firstData == null ? 0 : firstData.remaining();
        boolean fastOpen = transport.fastOpen() && firstLength > 0;
        Bootstrap b = new Bootstrap().group(transport.group()).channelFactory(transport.channelFactory())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(1))
                .handler(new Handler());
        if (fastOpen) {
            b.option(ChannelOption.TCP_FASTOPEN_CONNECT, true);
        }
        ChannelFuture reg = b.register();
        reg.addListener(r -> {
            if (!r.isSuccess()) {
                connectFailed(WinsockErrors.of(r.cause(), IsapiError.WSAECONNABORTED), r.cause());
                return;
            }
            Channel ch = reg.channel();
            channel = ch;
            synchronized (this) {
                if (state != State.CONNECTING) { // closed while registering
                    ch.close();
                    return;
                }
            }
            ByteBuf first = firstLength == 0 ? null : Unpooled.wrappedBuffer(firstData.slice());
            // TCP Fast Open: the first data is written (not flushed) before connect(), so Netty hands it to
            // sendto(MSG_FASTOPEN) and the kernel puts it in the SYN.
            ChannelFuture firstWrite = fastOpen ? ch.write(first) : null;
            ch.connect(remote).addListener(c -> {
                if (!c.isSuccess()) {
                    connectFailed(WinsockErrors.of(c.cause(), closedCode()), c.cause());
                    return;
                }
                local = (InetSocketAddress) ch.localAddress();
                if (first == null) {
                    connected(firstData, 0);
                    return;
                }
                ChannelFuture w = firstWrite != null ? firstWrite : ch.write(first);
                ch.flush();
                w.addListener(f -> {
                    if (!f.isSuccess()) {
                        connectFailed(WinsockErrors.of(f.cause(), closedCode()), f.cause());
                    } else if (fastOpen) {
                        // With Fast Open, connect() and the write return before the handshake: wait for it.
                        ch.read(); // a refused or reset SYN surfaces as a read error (exceptionCaught)
                        awaitEstablished(transport, ch, System.nanoTime()
                                + connectTimeoutMillis * 1_000_000L, 50, () -> {
                                    firstDataInSyn = transport.synCarriedData(ch);
                                    bytesSent.addAndGet(firstLength);
                                    connected(firstData, firstLength);
                                });
                    } else {
                        bytesSent.addAndGet(firstLength);
                        connected(firstData, firstLength);
                    }
                });
            });
        });
    }

    /**
     * Polls the kernel's TCP state (on the event loop, backing off from 50 µs to 20 ms) until the handshake
     * completed, failed, or the connect timeout passed. On loopback the first look already sees it done.
     */
    private void awaitEstablished(Transport transport, Channel ch, long deadline, long delayMicros, Runnable done) {
        if (state() != State.CONNECTING) {
            return; // closed, reset or refused meanwhile: that path delivered the completion
        }
        int tcp = transport.tcpState(ch);
        if (tcp == Transport.TCP_ESTABLISHED || tcp == Transport.TCP_CLOSE_WAIT) {
            done.run();
        } else if (tcp != Transport.TCP_SYN_SENT) {
            connectFailed(IsapiError.WSAECONNREFUSED, new java.net.ConnectException("handshake failed, TCP state " + tcp));
        } else if (System.nanoTime() - deadline > 0) {
            connectFailed(IsapiError.WSAETIMEDOUT, new io.netty.channel.ConnectTimeoutException("no answer to the SYN"));
        } else {
            ch.eventLoop().schedule(() -> awaitEstablished(transport, ch, deadline, Math.min(delayMicros * 2, 20_000), done),
                    delayMicros, java.util.concurrent.TimeUnit.MICROSECONDS);
        }
    }

    private synchronized int closedCode() {
        return state == State.FORCED_CLOSED ? forcedCode : IsapiError.OPERATION_ABORTED;
    }

    private void connected(ByteBuffer firstData, int sent) {
        if (firstData != null) {
            firstData.position(firstData.position() + sent);
        }
        if (transition(State.OPEN, 0) != null) {
            deliverConnect(sent, IsapiError.NO_ERROR);
        } else {
            deliverConnect(sent, closedCode()); // closed meanwhile: the caller learns it did not open
        }
    }

    private void connectFailed(int code, Throwable cause) {
        LOG.debug("outbound connect #{} to {} failed: {}", id, remote, cause.toString());
        transition(State.FORCED_CLOSED, code);
        owner.countFailure(code);
        deliverConnect(0, code);
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void deliverConnect(long sent, int code) {
        ConnectCallback cb;
        Object ctx;
        synchronized (this) {
            cb = connectCallback;
            ctx = connectContext;
            connectCallback = null;
            connectContext = null;
        }
        if (cb != null) {
            ConnectCompletion c = new ConnectCompletion(ecb, ctx, sent, code, this, code == 0 && firstDataInSyn);
            owner.dispatch(() -> cb.onConnect(c));
        }
    }

    // ------------------------------------------------------------------ I/O

    private void checkUsable() throws IsapiException {
        switch (state) {
            case OPEN -> { }
            case CONNECTING -> throw new IsapiException(IsapiError.WSAENOTCONN, "the connect has not completed");
            case FORCED_CLOSED -> throw new IsapiException(forcedCode, forcedCode == IsapiError.WSAECONNABORTED
                    ? "the server closed this connection: close it" : "the connection is no longer usable: close it");
            case CLOSED -> throw new IsapiException(IsapiError.INVALID_OPERATION, "the connection is closed");
        }
    }

    @Override
    public void send(ByteBuffer src, IoCompletion completion, Object context) throws IsapiException {
        if (src == null || completion == null) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "send needs a buffer and a completion");
        }
        Op op = new Op(src, completion, context);
        synchronized (this) {
            checkUsable();
            if (outputShut) {
                throw new IsapiException(IsapiError.WSAESHUTDOWN, "the sending side was shut down");
            }
            if (pendingSend != null) {
                throw new IsapiException(IsapiError.BUSY, "a send is already pending on this connection");
            }
            pendingSend = op;
        }
        int n = src.remaining();
        Channel ch = channel;
        if (ch.eventLoop().inEventLoop()) { // from a completion run on the event loop: write from a task of its own,
            ch.eventLoop().execute(() -> write(ch, src, n, op)); // so that this send's completion cannot run inside it
        } else {
            write(ch, src, n, op);
        }
    }

    private void write(Channel ch, ByteBuffer src, int n, Op op) {
        ch.writeAndFlush(Unpooled.wrappedBuffer(src.slice())).addListener(f -> {
            synchronized (this) {
                if (pendingSend != op) {
                    return; // already completed by a close or reset
                }
                pendingSend = null;
            }
            if (f.isSuccess()) {
                src.position(src.position() + n);
                bytesSent.addAndGet(n);
                completeFromIo(op, n, IsapiError.NO_ERROR);
            } else {
                completeFromIo(op, 0, WinsockErrors.of(f.cause(), closedCode()));
            }
        });
    }

    @Override
    public void receive(ByteBuffer dst, IoCompletion completion, Object context) throws IsapiException {
        if (dst == null || completion == null || !dst.hasRemaining()) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "receive needs a buffer with room and a completion");
        }
        boolean waiting;
        synchronized (this) {
            checkUsable();
            if (pendingReceive != null) {
                throw new IsapiException(IsapiError.BUSY, "a receive is already pending on this connection");
            }
            pendingReceive = new Op(dst, completion, context);
            waiting = unread != null || inputEnded || paused;
        }
        if (!waiting) {
            return; // the channel is reading: channelRead or the end of input serves it
        }
        Channel ch = channel;
        ch.eventLoop().execute(() -> { // on a task of its own, so the completion never runs inside this call
            serveReceive();
            resumeIfDrained(ch);
        });
    }

    /** On the event loop: stops reading while bytes wait unread (no receive, or one too small, took them). */
    private void pauseIfUnread(Channel ch) {
        synchronized (this) {
            if (unread == null || paused) {
                return;
            }
            paused = true;
        }
        ch.config().setAutoRead(false);
    }

    /** On the event loop: reads again once a receive took every byte that waited. */
    private void resumeIfDrained(Channel ch) {
        synchronized (this) {
            if (unread != null || !paused) {
                return;
            }
            paused = false;
        }
        ch.config().setAutoRead(true); // reads at once: channelRead or the end of input follows
    }

    /** Fills the pending receive from what was read already. @return whether it completed */
    private boolean serveReceive() {
        Op op;
        int n;
        synchronized (this) {
            op = pendingReceive;
            if (op == null) {
                return true;
            }
            if (unread != null) {
                n = Math.min(unread.readableBytes(), op.buffer().remaining());
                ByteBuffer dst = op.buffer();
                unread.readBytes(dst.slice(dst.position(), n));
                dst.position(dst.position() + n);
                if (!unread.isReadable()) {
                    unread.release();
                    unread = null;
                }
            } else if (inputEnded) {
                n = 0;
            } else {
                return false;
            }
            pendingReceive = null;
        }
        bytesReceived.addAndGet(n);
        completeFromIo(op, n, IsapiError.NO_ERROR);
        return true;
    }

    @Override
    public void shutdownOutput() throws IsapiException {
        synchronized (this) {
            checkUsable();
            if (outputShut) {
                return;
            }
            outputShut = true;
        }
        Channel ch = channel;
        // Queued behind a pending write on the event loop, so the FIN follows the last byte.
        ch.eventLoop().execute(() -> {
            if (ch instanceof DuplexChannel d) {
                d.shutdownOutput();
            }
        });
    }

    @Override
    public void close() {
        closeWith(false);
    }

    @Override
    public void abort() {
        closeWith(true);
    }

    private void closeWith(boolean reset) {
        State was = transition(State.CLOSED, 0);
        if (was == null) {
            return;
        }
        failPending(IsapiError.OPERATION_ABORTED);
        if (was == State.CONNECTING) {
            deliverConnect(0, IsapiError.OPERATION_ABORTED);
        }
        Channel ch = channel;
        if (ch != null) {
            if (reset && ch.isOpen()) {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            ch.close();
        }
        owner.untrack(this);
    }

    /** It is no longer usable (peer reset, or the server closes it at unload or stop): pending operations fail with {@code code}. */
    void forceClose(int code) {
        State was = transition(State.FORCED_CLOSED, code);
        if (was == null) {
            return;
        }
        failPending(code);
        if (was == State.CONNECTING) {
            deliverConnect(0, code);
        }
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void failPending(int code) {
        Op s;
        Op r;
        synchronized (this) {
            s = pendingSend;
            r = pendingReceive;
            pendingSend = null;
            pendingReceive = null;
            if (unread != null) {
                unread.release();
                unread = null;
            }
        }
        if (s != null) {
            complete(s, 0, code);
        }
        if (r != null) {
            complete(r, 0, code);
        }
    }

    private void complete(Op op, long bytes, int code) {
        Completion c = new Completion(ecb, op.context(), bytes, code);
        owner.dispatch(() -> op.completion().onCompletion(c));
    }

    /**
     * A completion found by the event loop itself (a write done, bytes read): never inside a call of the
     * extension's, so it may run right here when the operator allows it, saving two thread hand-offs.
     */
    private void completeFromIo(Op op, long bytes, int code) {
        Completion c = new Completion(ecb, op.context(), bytes, code);
        Channel ch = channel;
        if (owner.completionsOnEventLoop() && ch != null && ch.eventLoop().inEventLoop()) {
            owner.run(() -> op.completion().onCompletion(c));
        } else {
            owner.dispatch(() -> op.completion().onCompletion(c));
        }
    }

    // ------------------------------------------------------------------ status

    @Override
    public synchronized boolean isOpen() {
        return state == State.OPEN;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    long id() { return id; }
    synchronized State state() { return state; }
    long bytesSent() { return bytesSent.get(); }
    long bytesReceived() { return bytesReceived.get(); }
    boolean firstDataInSyn() { return firstDataInSyn; }

    /** @return whether the channel reads from the socket now (auto-read on), i.e. no bytes wait unread */
    boolean readsAhead() {
        Channel ch = channel;
        return ch != null && ch.config().isAutoRead();
    }
    Instant openedAt() { return openedAt; }

    /** The channel's events, on its event loop. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            synchronized (TcpConnection.this) {
                if (state != State.OPEN && state != State.CONNECTING) {
                    buf.release();
                    return;
                }
                if (unread == null) {
                    unread = buf;
                } else { // rare: a chunk read before the pause took effect
                    unread = Unpooled.wrappedBuffer(unread, buf);
                }
            }
            serveReceive();
            pauseIfUnread(ctx.channel());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                synchronized (TcpConnection.this) {
                    inputEnded = true;
                }
                serveReceive();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            synchronized (TcpConnection.this) {
                inputEnded = true;
            }
            serveReceive(); // a pending receive learns the end of the stream first
            forceClose(IsapiError.WSAECONNRESET); // closed under us (not by close()): no longer usable
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            int code = WinsockErrors.of(cause, IsapiError.WSAECONNRESET);
            LOG.debug("outbound #{} to {}: {}", id, remote, cause.toString());
            forceClose(code);
        }
    }
}
