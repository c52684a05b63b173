package dev.hse4j.server.limits;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 connections with a request-head deadline (Jetty has none): a client must send a whole request head
 * within the timeout, counted from connecting (for the first request) or from the request's first byte (for
 * the next ones on a kept-alive connection; waiting between requests is the idle timeout's business). A head
 * trickled a byte at a time otherwise holds its connection for ever, since every byte resets the idle
 * timeout. On expiry the client gets {@code 408} and the connection is closed.
 */
public final class HeadTimeoutConnectionFactory extends HttpConnectionFactory {

    private static final Logger LOG = LoggerFactory.getLogger(HeadTimeoutConnectionFactory.class);
    private static final byte[] REPLY = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain;charset=utf-8\r\n"
            + "Content-Length: 38\r\nConnection: close\r\n\r\nthe request head did not come in time\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final long timeoutNanos;
    private final LimitStats stats;

    /**
     * @param config the HTTP configuration
     * @param timeout how long a request head may take
     * @param stats counts the connections it closes
     */
    public HeadTimeoutConnectionFactory(HttpConfiguration config, Duration timeout, LimitStats stats) {
        super(config);
        this.timeoutNanos = timeout.toNanos();
        this.stats = stats;
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        Timed connection = new Timed(getHttpConfiguration(), connector, endPoint);
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    /** An HTTP/1 connection that watches how long its current request head takes. */
    private final class Timed extends HttpConnection {
        private final Scheduler scheduler;
        // Written under this (Jetty never locks a connection: no extra lock object per connection); volatile so that
        // the disarm after every request head, which nearly always finds nothing armed, takes no lock.
        private volatile Scheduler.Task deadline;

        Timed(HttpConfiguration config, Connector connector, EndPoint endPoint) {
            super(config, connector, endPoint);
            this.scheduler = connector.getScheduler();
        }

        @Override
        public void onOpen() {
            arm(); // before super: the first bytes may be parsed inside it
            super.onOpen();
        }

        @Override
        public void onFillable() {
            super.onFillable();
            if (awaitingHead()) {
                arm();
            } else {
                disarm();
            }
        }

        @Override
        public void onClose(Throwable cause) {
            disarm();
            super.onClose(cause);
        }

        /** Inside a request head: the first request's (even before its first byte), or a later one begun. */
        private boolean awaitingHead() {
            HttpParser p = getParser();
            return p.inHeaderState() && !(p.isStart() && getMessagesIn() > 0);
        }

        private void arm() {
            synchronized (this) {
                if (deadline == null) {
                    deadline = scheduler.schedule(this::expired, timeoutNanos, TimeUnit.NANOSECONDS);
                }
            }
        }

        private void disarm() {
            if (deadline == null) {
                return; // only this connection's own onFillable/onOpen arm it, never concurrently with this call
            }
            synchronized (this) {
                if (deadline != null) {
                    deadline.cancel();
                    deadline = null;
                }
            }
        }

        private void expired() {
            synchronized (this) {
                deadline = null;
            }
            EndPoint ep = getEndPoint();
            if (!ep.isOpen() || !awaitingHead()) {
                return;
            }
            stats.headTimeout();
            LOG.debug("request head from {} not complete within {} ms: 408, closing", ep.getRemoteSocketAddress(),
                    TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            ep.write(Callback.from(ep::close, x -> ep.close()), ByteBuffer.wrap(REPLY));
        }
    }
}
