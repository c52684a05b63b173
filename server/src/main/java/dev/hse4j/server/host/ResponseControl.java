package dev.hse4j.server.host;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an extension decides about how its response leaves the server, between the I/O state machine and
 * Jetty's response: buffering of small writes (HSE_REQ_SET_FLUSH_FLAG off) and a reset instead of a
 * graceful close (HSE_REQ_ABORTIVE_CLOSE).
 *
 * <p>By default (flush flag on) every write goes straight to Jetty, which sends it at once. With the flag
 * off, writes smaller than {@link #CAPACITY} are copied into one buffer and completed at once; the buffer
 * goes out when the next write does not fit, a large or final write comes, the flag is on again, or the
 * response ends ({@link #completion}).
 */
final class ResponseControl extends Response.Wrapper {

    /** The buffer for small writes while the flush flag is off. */
    static final int CAPACITY = 8 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ResponseControl.class);

    // Guarded by this (Jetty never locks a response wrapper: no extra lock object per request).
    private boolean buffering;
    private ByteBuffer held;   // bytes not yet handed to Jetty (write mode)
    private volatile boolean abortive;

    ResponseControl(Request request, Response wrapped) {
        super(request, wrapped);
    }

    /** @param flush {@code true}: each write at once (the default); {@code false}: buffer small writes */
    void flushFlag(boolean flush) {
        synchronized (this) {
            buffering = !flush;
        }
    }

    /**
     * HSE_REQ_ABORTIVE_CLOSE: the connection will be reset once the response is out (HTTP/1 only: an
     * HTTP/2 connection carries other streams and is left alone).
     */
    void abortiveClose() {
        if (isMultiplexed()) {
            return;
        }
        // No "Connection: close": Jetty would then end the response with a FIN, and the reset must come first.
        abortive = true;
    }

    /** @return whether the connection is to be reset rather than closed */
    boolean isAbortive() {
        return abortive;
    }

    /** Makes the next close of the connection a reset (RST): SO_LINGER 0. */
    void armReset() {
        EndPoint ep = getRequest().getConnectionMetaData().getConnection().getEndPoint();
        if (ep.getTransport() instanceof SocketChannel ch) {
            try {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot set SO_LINGER 0 for an abortive close", e);
            }
        }
    }

    private void resetNow() {
        armReset();
        getRequest().getConnectionMetaData().getConnection().getEndPoint().close();
    }

    private boolean isMultiplexed() {
        HttpVersion v = getRequest().getConnectionMetaData().getHttpVersion();
        return v == HttpVersion.HTTP_2 || v == HttpVersion.HTTP_3;
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        int n = content == null ? 0 : content.remaining();
        ByteBuffer flushFirst;
        boolean buffered;
        synchronized (this) { // only the buffer is guarded: Jetty is called outside the lock
            buffered = buffering && !last && n < CAPACITY;
            if (!buffered) {
                flushFirst = takeHeld();
            } else if (held != null && held.remaining() >= n) {
                held.put(content.duplicate());
                flushFirst = null;
            } else {
                // Full (or none yet): the held bytes go out now and this write starts the next buffer.
                flushFirst = takeHeld();
                held = ByteBuffer.allocate(CAPACITY);
                held.put(content.duplicate());
            }
        }
        if (buffered) {
            if (flushFirst != null) {
                getWrapped().write(false, flushFirst, callback);
            } else {
                callback.succeeded();
            }
        } else if (flushFirst != null) {
            getWrapped().write(false, flushFirst,
                    Callback.from(() -> getWrapped().write(last, content, callback), callback::failed));
        } else {
            getWrapped().write(last, content, callback);
        }
    }

    private ByteBuffer takeHeld() {
        if (held == null || held.position() == 0) {
            return null;
        }
        ByteBuffer b = held.flip();
        held = null;
        return b;
    }

    @Override
    public void reset() {
        synchronized (this) {
            held = null;
        }
        super.reset();
    }

    /**
     * Wraps the exchange's completion: before the response is declared done, the held bytes go out (as its
     * last write) and, after an abortive close, the connection is reset.
     *
     * @param jettyCallback the exchange's callback
     * @return the callback the I/O state machine completes
     */
    Callback completion(Callback jettyCallback) {
        return new Callback() {
            @Override
            public void succeeded() {
                ByteBuffer rest;
                synchronized (ResponseControl.this) {
                    rest = takeHeld();
                }
                if (rest == null && !abortive) {
                    jettyCallback.succeeded();
                    return;
                }
                if (hasLastWrite()) {
                    finish();
                    return;
                }
                getWrapped().write(true, rest, Callback.from(this::finish, jettyCallback::failed));
            }

            private void finish() {
                if (abortive) {
                    resetNow();
                }
                jettyCallback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                synchronized (ResponseControl.this) {
                    held = null;
                }
                if (abortive) {
                    resetNow();
                }
                jettyCallback.failed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return jettyCallback.getInvocationType();
            }
        };
    }
}
