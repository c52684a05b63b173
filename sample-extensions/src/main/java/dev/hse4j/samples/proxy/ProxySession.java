package dev.hse4j.samples.proxy;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ConnectCompletion;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.OutboundConnection;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One proxied request.
 *
 * <p><b>Two pumps, one ECB.</b> The upload pump reads the client body ({@code readClientAsync}) and sends it
 * upstream; the download pump receives the upstream response and writes it to the client
 * ({@code writeClientAsync}). The upstream connection allows one send and one receive at once, but the ECB
 * allows one operation in all: {@link #ecbBusy} is that rule, and a pump that needs the ECB while the other
 * holds it waits until that operation's completion hands it
 * over. The upload pump owns one 64 KB buffer; the download pump two, so that one receives from the upstream
 * while the other is written to the client. A request never holds more than 192 KB, whatever the sizes.
 *
 * <p><b>Keep-alive.</b> The upstream connection is an {@link UpstreamLink} kept for the next request of the
 * same client connection ({@link UpstreamLinks}, keyed by the PROXY header, which names that client
 * connection): the request goes upstream without {@code Connection: close}, and when the response ended
 * cleanly (its length known and reached, nothing extra received, the upload finished, the upstream did not
 * ask to close) the link goes back to the pool instead of being closed. A small response (≤ 16 KB left to
 * write once it is all received) is copied out and the link given back at once, on the I/O thread that
 * received the end, rather than after the client write's completion. A reused link that turns out closed
 * before any of the response arrived is replaced by a new connection and the request sent again, if none
 * of its body was streamed yet (else 502).
 *
 * <p><b>Failures.</b> Connect failures answer 502 (504 for a connect timeout), with a plain message. An
 * upstream that fails after the response started makes the session end with ERROR (the client connection is
 * closed: a half-sent response cannot be repaired). A client that leaves fails the pending ECB operation:
 * the upstream connection is closed at once.
 *
 * <p>All methods run under the session's lock; completions arrive on server threads.
 */
final class ProxySession {

    private static final int BUFFER = UpstreamLink.BUFFER;
    private static final int CHUNK_HEAD = 10; // room for "ffffffff\r\n" in front of an upload chunk
    private static final int MAX_HEAD = 64 * 1024;
    /** A complete response at most this long is copied out of the link's buffers so that the link is free at once. */
    private static final int SMALL_RESPONSE = 16 * 1024;
    /** {@link #writing}: the copied-out {@link #tail} is being written. */
    private static final int TAIL = 2;
    private static final System.Logger LOG = System.getLogger("proxy");

    private enum EcbOp { NONE, READ, WRITE }
    private enum Body { CONTENT_LENGTH, CHUNKED, UNTIL_CLOSE, NONE }

    private final ExtensionControlBlock ecb;
    private final InetSocketAddress upstream;
    private final UpstreamLinks pool;
    private final Executor lookups; // null: the upstream is an address, connectEx never waits
    private final boolean chunkedUpload;
    private byte[] up; // the upload buffer, allocated when a body is streamed
    private final int[] filledStart = new int[2];
    private final int[] filledLength = new int[2];
    private ByteBuffer tail; // the rest of a small response, copied out of a link given back early
    private final java.util.ArrayDeque<Integer> filled = new java.util.ArrayDeque<>(2); // ready to write, in order
    private int receiving = -1;   // the download buffer (of the link) a receive is pending on
    private int writing = -1;     // the download buffer a client write is pending on
    /** The upstream connection and its two download buffers: one receives while the other is written. */
    private UpstreamLink link;
    private OutboundConnection connecting; // until the connect completes
    private LinkKey key;                  // the PROXY header: which client connection this is
    private byte[] request;               // the request head (and a small body) as sent upstream
    private byte[] restOfHead;            // a head too big for the first data
    private boolean reused;               // the link came from the pool
    private boolean streamedUp;           // body bytes beyond the request went up: it cannot be sent again
    private boolean sendPending;
    private boolean releaseWhenSent;      // the response ended before the last send's completion
    private boolean upstreamCloses;       // the upstream said Connection: close (or spoke HTTP/1.0)
    private boolean extraBytes;           // bytes after the end of the response: the link cannot be reused

    private EcbOp ecbBusy = EcbOp.NONE;
    private boolean readWaiting;
    private ByteBuffer preload;           // the read-ahead body not yet sent upstream
    private boolean uploadDone;

    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private boolean headParsed;
    private boolean headSent;
    private String status;
    private String headers;
    private Body body = Body.NONE;
    private long bodyLeft;
    private final ChunkedDecoder chunks = new ChunkedDecoder();
    private boolean responseDone;
    private boolean keepAlive10;
    private boolean ended;

    ProxySession(ExtensionControlBlock ecb, InetSocketAddress upstream, UpstreamLinks pool, Executor lookups) {
        this.ecb = ecb;
        this.lookups = lookups;
        this.upstream = upstream;
        this.pool = pool;
        this.chunkedUpload = ecb.totalBytes() == ExtensionControlBlock.UNKNOWN_LENGTH;
    }

    /**
     * Takes the client connection's idle upstream link and sends the request on it, or connects with the
     * PROXY header and the request head (and a small body) as first data.
     */
    synchronized HseStatus start() throws IsapiException {
        byte[] proxyHeader;
        byte[] headBytes;
        try {
            proxyHeader = proxyHeader();
            headBytes = RequestHead.of(ecb, chunkedUpload);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "proxy: cannot describe the client connection: " + e);
            plainError(ecb, "502 Bad Gateway", "The proxy could not forward this request.\n");
            return HseStatus.SUCCESS;
        }
        key = new LinkKey(proxyHeader);
        preload = ecb.data();
        if (proxyHeader.length + headBytes.length <= 65_535) {
            int body = preload.remaining();
            if (body > 0 && !chunkedUpload && proxyHeader.length + headBytes.length + body <= 65_535) {
                request = Arrays.copyOf(headBytes, headBytes.length + body); // a small body rides along
                preload.get(request, headBytes.length, body);
            } else {
                request = headBytes;
            }
        } else {
            request = new byte[0];
            restOfHead = headBytes; // a head too big for the first data follows it
        }
        ecb.ioCompletion(this::onEcb, null);
        UpstreamLink idle = restOfHead == null ? pool.take(key, this) : null;
        if (idle != null) {
            link = idle;
            reused = true;
            receiving = idle.takenReceiving; // the idle receive carries on as this request's first
            sendUp(ByteBuffer.wrap(request));
            if (!ended) {
                receiveMore();
            }
            return HseStatus.PENDING;
        }
        return connect() ? HseStatus.PENDING : HseStatus.SUCCESS;
    }

    /**
     * Opens a new upstream connection. An upstream given by name is looked up by {@code connectEx}, which may
     * wait for DNS: then the connect runs on the extension's lookup thread, never on a network or I/O thread.
     *
     * @return false if that failed at once (the client was answered)
     */
    private boolean connect() throws IsapiException {
        ByteBuffer first = ByteBuffer.allocate(key.header.length + request.length);
        first.put(key.header).put(request).flip();
        if (lookups != null) {
            try {
                lookups.execute(() -> connectLater(first));
                return true;
            } catch (RejectedExecutionException e) { // unloading
                plainError(ecb, "502 Bad Gateway", "The proxy could not reach its upstream.\n");
                ended = true;
                return false;
            }
        }
        return connectNow(first);
    }

    private synchronized void connectLater(ByteBuffer first) {
        if (ended) {
            return;
        }
        try {
            if (!connectNow(first)) {
                doneQuietly(HseStatus.SUCCESS); // answered 502
            }
        } catch (IsapiException e) {
            doneQuietly(HseStatus.ERROR);
        }
    }

    private boolean connectNow(ByteBuffer first) throws IsapiException {
        try {
            connecting = ecb.outbound().connectEx(upstream, first, 0, this::onConnect, null);
            return true;
        } catch (IsapiException e) {
            LOG.log(System.Logger.Level.WARNING, "proxy: cannot connect to " + upstream + ": " + e.getMessage());
            plainError(ecb, "502 Bad Gateway", "The proxy could not reach its upstream.\n");
            ended = true;
            return false;
        }
    }

    /**
     * What the upstream is told about the client connection: the redirect record when hse4j received the
     * client through a trusted proxy (its bytes exactly as the balancer sent them, TLVs included, so the
     * upstream sees the original client), else a PROXY v2 header built from the addresses of the connection
     * hse4j accepted.
     */
    private byte[] proxyHeader() throws Exception {
        byte[] record = RedirectRecords.query(ecb);
        if (record != null) {
            return record;
        }
        return ProxyV2.tcp(ecb.getServerVariable("REMOTE_ADDR"), Integer.parseInt(ecb.getServerVariable("REMOTE_PORT")),
                ecb.getServerVariable("LOCAL_ADDR"), Integer.parseInt(ecb.getServerVariable("LOCAL_PORT")));
    }

    // ------------------------------------------------------------------ connect

    private synchronized void onConnect(ConnectCompletion c) {
        connecting = null;
        if (!c.isSuccess()) {
            c.connection().close();
            LOG.log(System.Logger.Level.WARNING, "proxy: upstream " + upstream + " failed: " + IsapiError.name(c.errorCode()));
            upstreamFailed(c.errorCode());
            return;
        }
        UpstreamLink l = new UpstreamLink(c.connection(), key, pool);
        l.attach(this);
        if (ended) {
            l.conn.close();
            return;
        }
        link = l;
        receiveMore();
        if (restOfHead != null) {
            sendUp(ByteBuffer.wrap(restOfHead));
        } else {
            nextUpload();
        }
    }

    /**
     * A reused link failed before any of the response came: the upstream had closed it while it was idle.
     * Sends the request again on a new connection if nothing of it is lost.
     *
     * @return whether it did (else the caller reports the failure)
     */
    private boolean retryOnNewConnection() {
        if (!reused || streamedUp || headParsed || head.size() > 0 || ended) {
            return false;
        }
        reused = false;
        UpstreamLink old = link;
        link = null;
        receiving = -1;
        sendPending = false;
        old.abandon();
        LOG.log(System.Logger.Level.DEBUG, "proxy: an idle upstream connection was closed; sending again on a new one");
        try {
            if (!connect()) {
                doneQuietly(HseStatus.SUCCESS); // answered 502
            }
        } catch (IsapiException e) {
            end(HseStatus.ERROR);
        }
        return true;
    }

    // ------------------------------------------------------------------ upload: client → upstream

    /** Sends the next piece of the body upstream: from the read-ahead, else read from the client. */
    private void nextUpload() {
        if (ended || uploadDone) {
            return;
        }
        if (preload.hasRemaining()) {
            streamedUp = true;
            int n = Math.min(preload.remaining(), BUFFER);
            upBuffer();
            preload.get(up, CHUNK_HEAD, n);
            sendUp(frame(n));
        } else if (ecb.available() >= ecb.totalBytes() && !chunkedUpload) {
            uploadDone = true; // the whole body was in the read-ahead
        } else if (ecbBusy == EcbOp.NONE) {
            readClient();
        } else {
            readWaiting = true;
        }
    }

    private void readClient() {
        streamedUp = true;
        ecbBusy = EcbOp.READ;
        try {
            ecb.readClientAsync(ByteBuffer.wrap(upBuffer(), CHUNK_HEAD, BUFFER));
        } catch (IsapiException e) {
            ecbBusy = EcbOp.NONE;
            clientGone();
        }
    }

    private byte[] upBuffer() {
        if (up == null) {
            up = new byte[BUFFER + CHUNK_HEAD + 2];
        }
        return up;
    }

    /** The upload buffer's {@code n} data bytes at CHUNK_HEAD, framed as a chunk when the upload is chunked. */
    private ByteBuffer frame(int n) {
        if (!chunkedUpload) {
            return ByteBuffer.wrap(up, CHUNK_HEAD, n);
        }
        byte[] size = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        int start = CHUNK_HEAD - size.length;
        System.arraycopy(size, 0, up, start, size.length);
        up[CHUNK_HEAD + n] = '\r';
        up[CHUNK_HEAD + n + 1] = '\n';
        return ByteBuffer.wrap(up, start, size.length + n + 2);
    }

    private void sendUp(ByteBuffer b) {
        UpstreamLink l = link;
        try {
            sendPending = true;
            l.conn.send(b, c -> onSent(l, c), null);
        } catch (IsapiException e) {
            sendPending = false;
            if (!retryOnNewConnection()) {
                upstreamFailed(e.errorCode());
            }
        }
    }

    private synchronized void onSent(UpstreamLink l, Completion c) {
        if (l != link) {
            return; // a link given up for a new connection
        }
        sendPending = false;
        if (releaseWhenSent) { // the response ended meanwhile
            releaseWhenSent = false;
            if (c.isSuccess()) {
                pool.release(l);
            } else {
                closeUpstream();
            }
            return;
        }
        if (ended) {
            return;
        }
        if (!c.isSuccess()) {
            if (!retryOnNewConnection()) {
                upstreamFailed(c.errorCode());
            }
            return;
        }
        nextUpload();
    }

    // ------------------------------------------------------------------ download: upstream → client

    /** Starts a receive into a free download buffer, if there is one and none is pending. */
    private void receiveMore() {
        if (receiving >= 0 || responseDone || link == null) {
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (i != writing && !filled.contains(i)) {
                receiving = i;
                try {
                    link.receive(i);
                } catch (IsapiException e) {
                    receiving = -1;
                    if (!retryOnNewConnection()) {
                        upstreamFailed(e.errorCode());
                    }
                }
                return;
            }
        }
    }

    /** A receive's completion, from the link: {@code i} is the download buffer it filled. */
    synchronized void onReceived(int i, Completion c) {
        receiving = -1;
        if (ended) {
            return;
        }
        if (!c.isSuccess() || (c.bytesTransferred() == 0 && !headParsed && head.size() == 0)) {
            if (!retryOnNewConnection()) {
                upstreamFailed(c.isSuccess() ? IsapiError.WSAECONNRESET : c.errorCode());
            }
            return;
        }
        byte[] buf = link.down[i];
        int n = (int) c.bytesTransferred();
        if (n == 0) { // the upstream closed
            if (!headParsed || body == Body.CONTENT_LENGTH || body == Body.CHUNKED) {
                upstreamFailed(IsapiError.WSAECONNRESET); // it ended before the response did
            } else {
                responseDone = true;
                pumpWrite();
            }
            return;
        }
        int off = 0;
        if (!headParsed) {
            byte[] h = buf;
            int hn = n;
            if (head.size() > 0) { // the head came in pieces: gather them
                head.write(buf, 0, n);
                h = head.toByteArray();
                hn = h.length;
            }
            int end = ResponseHead.blankLine(h, hn);
            if (end < 0) {
                if (hn > MAX_HEAD) {
                    upstreamFailed(IsapiError.INVALID_PARAMETER);
                } else {
                    if (h == buf) {
                        head.write(buf, 0, n);
                    }
                    receiveMore();
                }
                return;
            }
            if (!takeHead(ResponseHead.parse(h, end))) {
                upstreamFailed(IsapiError.INVALID_PARAMETER);
                return;
            }
            if (h == buf) {
                off = end + 4; // the body bytes that came with the head follow it in place
                n -= off;
            } else {
                n = hn - (end + 4);
                System.arraycopy(h, end + 4, buf, 0, n); // the body bytes that came with the head
                head.reset();
            }
        }
        int len;
        switch (body) {
            case CHUNKED -> {
                try {
                    len = chunks.decode(buf, off, n);
                } catch (ChunkedDecoder.MalformedException e) {
                    upstreamFailed(IsapiError.INVALID_PARAMETER);
                    return;
                }
                responseDone = chunks.isDone();
                extraBytes = chunks.hadExtraBytes();
            }
            case CONTENT_LENGTH -> {
                len = (int) Math.min(n, bodyLeft);
                bodyLeft -= len;
                responseDone = bodyLeft == 0;
                extraBytes = len < n;
            }
            case UNTIL_CLOSE -> len = n;
            default -> {
                len = 0;
                responseDone = true;
                extraBytes = n > 0;
            }
        }
        if (len > 0) {
            filledStart[i] = off;
            filledLength[i] = len;
            filled.add(i);
        }
        if (responseDone) {
            releaseLinkEarly();
        }
        receiveMore(); // into the other buffer, while this one is written
        pumpWrite();
    }

    /**
     * The whole response is here: when what is left to write is small, copies it out and gives the link
     * back to the pool now, on the I/O thread that received it, instead of after the client write's
     * completion (on another thread, which would then hand the link's idle receive back to the I/O thread).
     * The session touches the link no more.
     */
    private void releaseLinkEarly() {
        if (link == null || writing >= 0 || receiving >= 0 || sendPending || !reusable()) {
            return;
        }
        int total = 0;
        for (int i : filled) {
            total += filledLength[i];
        }
        if (total > SMALL_RESPONSE) {
            return;
        }
        byte[] copy = new byte[total];
        int at = 0;
        for (int i : filled) {
            System.arraycopy(link.down[i], filledStart[i], copy, at, filledLength[i]);
            at += filledLength[i];
        }
        filled.clear();
        tail = total > 0 ? ByteBuffer.wrap(copy) : null;
        UpstreamLink l = link;
        link = null;
        pool.release(l);
    }

    /** Takes the parsed head (null: invalid) and decides how the body ends. @return false if invalid */
    private boolean takeHead(ResponseHead h) {
        if (h == null) {
            return false;
        }
        headParsed = true;
        status = h.status;
        headers = h.headers;
        upstreamCloses |= h.closes;
        boolean bodiless = "HEAD".equals(ecb.method()) || h.code < 200 || h.code == 204 || h.code == 304;
        if (bodiless) {
            body = Body.NONE;
        } else if (h.chunked) {
            body = Body.CHUNKED;
        } else if (h.length >= 0) {
            body = Body.CONTENT_LENGTH;
            bodyLeft = h.length;
        } else {
            body = Body.UNTIL_CLOSE; // hse4j frames it for the client (chunked)
        }
        return true;
    }

    /**
     * Writes the oldest filled download buffer to the client when the ECB is free (the head first), or
     * ends the session once the response is complete and written.
     */
    private void pumpWrite() {
        if (ended || writing >= 0 || !headParsed) {
            return;
        }
        if (ecbBusy != EcbOp.NONE) {
            return; // a client read holds the ECB: its completion calls back here
        }
        try {
            if (!headSent) {
                headSent = true;
                ecb.sendResponseHeader(status, headers, true);
            }
            Integer i = filled.poll();
            if (i != null) {
                writing = i;
                ecbBusy = EcbOp.WRITE;
                ecb.writeClientAsync(ByteBuffer.wrap(link.down[i], filledStart[i], filledLength[i]));
            } else if (tail != null) {
                ByteBuffer t = tail;
                tail = null;
                writing = TAIL;
                ecbBusy = EcbOp.WRITE;
                ecb.writeClientAsync(t);
            } else if (responseDone && receiving < 0) {
                end(HseStatus.SUCCESS);
            }
        } catch (IsapiException e) {
            ecbBusy = EcbOp.NONE;
            writing = -1;
            clientGone();
        }
    }

    // ------------------------------------------------------------------ the ECB's completions

    private synchronized void onEcb(Completion c) {
        EcbOp op = ecbBusy;
        ecbBusy = EcbOp.NONE;
        if (answerWhenFree != 0) { // the upstream failed while this operation held the ECB
            int code = answerWhenFree;
            answerWhenFree = 0;
            answerError(code);
            return;
        }
        if (ended) {
            return;
        }
        if (!c.isSuccess()) {
            clientGone();
            return;
        }
        if (op == EcbOp.READ) {
            int n = (int) c.bytesTransferred();
            if (n == 0) {
                uploadDone = true;
                if (chunkedUpload) {
                    sendUp(ByteBuffer.wrap("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
                }
            } else {
                sendUp(frame(n));
            }
        } else if (op == EcbOp.WRITE) {
            writing = -1;
            receiveMore(); // the buffer just written is free again
        }
        // Hand the ECB on: the response first, else the upload that waited for it.
        if (!ended && ecbBusy == EcbOp.NONE) {
            if (headParsed && (!filled.isEmpty() || !headSent || responseDone)) {
                pumpWrite();
            }
            if (!ended && ecbBusy == EcbOp.NONE && readWaiting) {
                readWaiting = false;
                readClient();
            }
        }
    }

    // ------------------------------------------------------------------ endings

    private void clientGone() {
        LOG.log(System.Logger.Level.DEBUG, "proxy: the client left; closing the upstream connection");
        end(HseStatus.ERROR);
    }

    private void upstreamFailed(int code) {
        if (ended) {
            return;
        }
        if (headSent) {
            end(HseStatus.ERROR); // a half-sent response cannot be repaired: the client connection closes
            return;
        }
        if (ecbBusy != EcbOp.NONE) { // a client read is pending: it must complete before we answer
            ended = true;
            closeUpstream();
            ecb.cancelIo();
            answerWhenFree = code;
            return;
        }
        ended = true;
        closeUpstream();
        answerError(code);
    }

    /** 502, or 504 when the upstream did not answer in time; then the session ends. */
    private void answerError(int code) {
        boolean timeout = code == IsapiError.WSAETIMEDOUT;
        try {
            plainError(ecb, timeout ? "504 Gateway Timeout" : "502 Bad Gateway",
                    timeout ? "The upstream did not answer in time.\n" : "The upstream failed.\n");
            ecb.doneWithSession(HseStatus.SUCCESS);
        } catch (IsapiException e) {
            doneQuietly(HseStatus.ERROR);
        }
    }

    private int answerWhenFree;

    private void end(HseStatus s) {
        if (ended) {
            return;
        }
        ended = true;
        if (s != HseStatus.SUCCESS) {
            closeUpstream();
        } else if (reusable()) {
            if (sendPending) {
                releaseWhenSent = true; // onSent gives it back
            } else {
                pool.release(link);
            }
        } else {
            closeUpstreamAfterItsEnd();
        }
        doneQuietly(s);
    }

    /** @return whether the link can carry the next request of this client connection */
    private boolean reusable() {
        return link != null && responseDone && body != Body.UNTIL_CLOSE && !upstreamCloses && !extraBytes
                && uploadDone && link.conn.isOpen();
    }

    /**
     * The response is complete but the link cannot be kept: when the upstream said it closes, let it close
     * first, then close. The side that closes first keeps the port in TIME_WAIT for a minute; on the proxy's side
     * that would exhaust the ephemeral ports under load (a connection per request).
     */
    private void closeUpstreamAfterItsEnd() {
        if (link == null || receiving >= 0 || body == Body.UNTIL_CLOSE || !upstreamCloses || extraBytes) {
            closeUpstream();
            return;
        }
        UpstreamLink l = link;
        l.abandon(); // the receive below is this method's, not a session's
        OutboundConnection c = l.conn;
        try {
            c.receive(ByteBuffer.allocate(1), done -> c.close(), null); // end of stream (or anything): close
        } catch (IsapiException e) {
            c.close();
        }
    }

    private void closeUpstream() {
        if (link != null) {
            link.abandon();
            link.conn.close();
        } else if (connecting != null) {
            connecting.close();
        }
    }

    private void doneQuietly(HseStatus s) {
        try {
            ecb.doneWithSession(s);
        } catch (IsapiException e) {
            // already ended (for example by the session timeout)
        }
    }

    /** A short plain-text answer; never Java text. */
    static void plainError(ExtensionControlBlock ecb, String status, String text) throws IsapiException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        ecb.sendResponseHeader(status, "Content-Type: text/plain\r\nContent-Length: " + b.length + "\r\n", true);
        ecb.writeClient(b);
    }
}
