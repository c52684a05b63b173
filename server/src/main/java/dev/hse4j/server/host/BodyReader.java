package dev.hse4j.server.host;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * The request body as ISAPI reads it: non-blocking reads into a caller's buffer, with a partly consumed
 * Jetty chunk kept between reads, and one outstanding demand at a time.
 */
final class BodyReader {

    /** {@link #read} found no byte now; call {@link #awaitData} and try again. */
    static final int NOTHING_YET = -1;

    private final Request request;
    private Content.Chunk chunk;
    private boolean eof;
    private IOException failure;
    private Runnable waiter;
    private boolean demanding;

    BodyReader(Request request) {
        this.request = request;
    }

    /**
     * Copies available body bytes into {@code dst}.
     *
     * @return bytes copied (at least 1), 0 at the end of the body, or {@link #NOTHING_YET}
     * @throws IOException the body failed (client gone, malformed chunking)
     */
    synchronized int read(ByteBuffer dst) throws IOException {
        int state = advance();
        if (state <= 0) {
            return state;
        }
        ByteBuffer b = chunk.getByteBuffer();
        int n = Math.min(b.remaining(), dst.remaining());
        int limit = b.limit();
        b.limit(b.position() + n);
        dst.put(b);
        b.limit(limit);
        return n;
    }

    /**
     * Tells whether body bytes are available now, without copying any: lets the caller size (or skip) a
     * buffer before reading. A request without a body (a GET) answers 0 at once.
     *
     * @return 1 if at least one body byte can be read now, 0 at the end of the body, or {@link #NOTHING_YET}
     * @throws IOException the body failed (client gone, malformed chunking)
     */
    synchronized int probe() throws IOException {
        return advance();
    }

    /** Moves to a chunk with bytes left: 1 if there is one, 0 at the end, or {@link #NOTHING_YET}. */
    private int advance() throws IOException {
        while (true) {
            if (failure != null) {
                throw failure;
            }
            if (chunk != null) {
                if (chunk.getByteBuffer().hasRemaining()) {
                    return 1;
                }
                boolean last = chunk.isLast();
                chunk.release();
                chunk = null;
                if (last) {
                    eof = true;
                }
            }
            if (eof) {
                return 0;
            }
            Content.Chunk c = request.read();
            if (c == null) {
                return NOTHING_YET;
            }
            if (Content.Chunk.isFailure(c)) {
                failure = classify(c.getFailure());
                continue;
            }
            chunk = c;
        }
    }

    /**
     * @param e a failure of {@link #read} or {@link #probe}
     * @return whether the body was malformed (the client is still there and gets a 400), rather than cut
     *     off by the client going away
     */
    static boolean isMalformed(IOException e) {
        return e instanceof MalformedBodyException;
    }

    /** The body broke its own framing (a chunk-size line that is not hex, ...); the client is still there. */
    static final class MalformedBodyException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedBodyException(Throwable cause) {
            super("the request body is malformed", cause);
        }
    }

    /**
     * Jetty reports a body that breaks its framing after the headers as an "early EOF" (an {@link HttpException}
     * with a 4xx code), exactly as it reports a client that went away mid-body. Only the connection tells
     * them apart: the client that went away has shut its side (the read that saw it returned -1 and shut
     * the input); the one that sent bad framing has not.
     */
    private IOException classify(Throwable f) {
        boolean clientError = f instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500;
        if (clientError && !request.getConnectionMetaData().getConnection().getEndPoint().isInputShutdown()) {
            return new MalformedBodyException(f);
        }
        return f instanceof IOException io ? io : new IOException(f);
    }

    /** Runs {@code r} once more body bytes (or the end, or a failure) may be available. */
    void awaitData(Runnable r) {
        synchronized (this) {
            waiter = r;
            if (demanding) {
                return;
            }
            demanding = true;
        }
        request.demand(this::onDemand);
    }

    private void onDemand() {
        Runnable r;
        synchronized (this) {
            demanding = false;
            r = waiter;
            waiter = null;
        }
        if (r != null) {
            r.run();
        }
    }

    /** Releases a held chunk (request end). */
    synchronized void close() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }
}
