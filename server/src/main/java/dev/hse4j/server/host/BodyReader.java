package dev.hse4j.server.host;

import dev.hse4j.server.limits.MinRate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The request body as ISAPI reads it: non-blocking reads from the {@link Transport} into a caller's buffer,
 * and one outstanding demand at a time. It also holds the body to its limits:
 * a wait for bytes ends with {@link TooSlow} when the client falls below the minimum rate (or a given timeout
 * passes), and a body growing past the extension's maximum fails with {@link TooLarge}; both failures stick.
 */
final class BodyReader {

    /** The client sent the body too slowly (minimum rate or read timeout): answered 408. */
    static final class TooSlow extends IOException {
        TooSlow(String why) {
            super(why);
        }
    }

    /** The body grew past the extension's maximum request body: answered 413. */
    static final class TooLarge extends IOException {
        TooLarge(String why) {
            super(why);
        }
    }

    /** {@link #read} found no byte now; call {@link #awaitData} and try again. */
    static final int NOTHING_YET = Transport.NOTHING_YET;

    private final Transport transport;
    private final Scheduler scheduler;
    private final MinRate.Spec rateSpec;
    private MinRate rate; // guarded by this: made at the first wait for the client (until then it is full)
    private final long maxBytes;
    private long received;
    private Scheduler.Task waitTimer;
    private long waitSeq;
    private IOException failure;
    private Runnable waiter;
    private boolean demanding;

    /**
     * @param transport the exchange the body comes from
     * @param scheduler runs the wait timers
     * @param rate the minimum request rate (may be off)
     * @param maxBytes the largest body accepted; 0 = no limit
     */
    BodyReader(Transport transport, Scheduler scheduler, MinRate.Spec rate, long maxBytes) {
        this.transport = transport;
        this.scheduler = scheduler;
        this.rateSpec = rate;
        this.maxBytes = maxBytes;
    }

    /**
     * Copies available body bytes into {@code dst}.
     *
     * @return bytes copied (at least 1), 0 at the end of the body, or {@link #NOTHING_YET}
     * @throws IOException the body failed (client gone, malformed chunking, too large, too slow)
     */
    synchronized int read(ByteBuffer dst) throws IOException {
        if (failure != null) {
            throw failure;
        }
        int n;
        if (maxBytes > 0 && dst.remaining() > maxBytes - received + 1) {
            // One byte past the limit is enough to know the body is too large.
            ByteBuffer window = dst.slice(dst.position(), (int) (maxBytes - received + 1));
            n = transport.read(window);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            n = transport.read(dst);
        }
        if (n > 0) {
            received += n;
            if (rate != null) {
                rate.transferred(n);
            }
            if (maxBytes > 0 && received > maxBytes) {
                dst.position(dst.position() - n);
                failure = new TooLarge("the request body is larger than " + maxBytes + " bytes");
                throw failure;
            }
        }
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
        if (failure != null) {
            throw failure;
        }
        return transport.probe();
    }

    /**
     * @param e a failure of {@link #read} or {@link #probe}
     * @return whether the body was malformed (the client is still there and gets a 400), rather than cut
     *     off by the client going away
     */
    static boolean isMalformed(IOException e) {
        return e instanceof Transport.MalformedBody;
    }

    /** Runs {@code r} once more body bytes (or the end, or a failure) may be available. */
    void awaitData(Runnable r) {
        awaitData(r, null);
    }

    /**
     * Runs {@code r} once more body bytes (or the end, or a failure) may be available, or once the client is
     * too slow: when the minimum rate is missed, or {@code timeout} (if not null) passes without a byte; then
     * every later read fails with {@link TooSlow}.
     */
    void awaitData(Runnable r, Duration timeout) {
        boolean failNow = false;
        synchronized (this) {
            if (failure != null) {
                failNow = true; // the body already failed (too slow, too large): the read will say so
            } else if (demanding) {
                waiter = r;
                return; // a wait is already under way (and timed): this one joins it
            } else {
                waiter = r;
                demanding = true;
                if (rate == null) {
                    rate = rateSpec.start();
                }
                long limit = rate.startWait(System.nanoTime(), 0);
                String why = "the request body arrived slower than " + rateSpec.bytesPerSecond() + " bytes/s";
                if (timeout != null && (limit < 0 || timeout.toNanos() < limit)) {
                    limit = timeout.toNanos();
                    why = "no request body byte arrived within " + timeout.toMillis() + " ms";
                }
                if (limit >= 0) {
                    String reason = why;
                    long seq = ++waitSeq;
                    waitTimer = scheduler.schedule(() -> tooSlow(seq, reason), limit, TimeUnit.NANOSECONDS);
                }
            }
        }
        if (failNow) {
            r.run();
            return;
        }
        transport.demand(this::onDemand);
    }

    private void onDemand() {
        Runnable r;
        synchronized (this) {
            demanding = false;
            endWait();
            r = waiter;
            waiter = null;
        }
        if (r != null) {
            r.run();
        }
    }

    private void tooSlow(long seq, String why) {
        Runnable r;
        synchronized (this) {
            if (!demanding || waitTimer == null || seq != waitSeq) {
                return; // the data came first
            }
            endWait();
            if (failure == null) {
                failure = new TooSlow(why);
            }
            r = waiter;
            waiter = null;
            // Jetty's demand stays registered: when it fires it finds no waiter, and every read fails.
        }
        if (r != null) {
            r.run();
        }
    }

    /** Charges the wait to the rate and drops its timer. Under the lock. */
    private void endWait() {
        if (rate != null) {
            rate.endWait(System.nanoTime());
        }
        if (waitTimer != null) {
            waitTimer.cancel();
            waitTimer = null;
        }
    }

    /** Drops the wait timer (request end); the transport releases what it holds when the exchange ends. */
    synchronized void close() {
        if (waitTimer != null) {
            waitTimer.cancel();
            waitTimer = null;
        }
    }
}
