package dev.hse4j.server.limits;

/**
 * A minimum data rate for one direction of one request, as a leaky bucket that drains only while the server
 * waits for the client: it starts with {@code grace} seconds' worth of bytes, loses {@code rate} bytes per second
 * of waiting, gains every byte transferred, and never holds more than {@code grace} seconds' worth. When a wait
 * would empty it, the client is too slow. So a client must keep up the rate over any stretch of waiting, and a
 * fast start buys at most {@code grace} seconds of silence (a body sent fast and then trickled at one byte every
 * few seconds fails within about {@code grace}), while time the extension spends not reading costs nothing.
 * <p>Not thread-safe: its owner calls it under its own lock.
 */
public final class MinRate {

    /**
     * A rate and its slack, shared by every request: a request's own bucket is made from it only when it first
     * waits for its client (most requests never do: their bytes move at once), since an untouched bucket is full.
     *
     * @param bytesPerSecond the rate; 0 = off
     * @param graceNanos the slack, in nanoseconds
     */
    public record Spec(long bytesPerSecond, long graceNanos) {
        /** No minimum rate. */
        public static final Spec OFF = new Spec(0, 0);

        /** @return whether a rate is enforced */
        public boolean enabled() {
            return bytesPerSecond > 0;
        }

        /** @return a new, full bucket for one request's direction */
        public MinRate start() {
            return new MinRate(bytesPerSecond, graceNanos);
        }
    }

    private final long rate;
    private final double cap;
    private double credit;
    private long waitStart = -1;

    /**
     * @param bytesPerSecond the rate; 0 = off
     * @param graceNanos the slack, in nanoseconds
     */
    public MinRate(long bytesPerSecond, long graceNanos) {
        this.rate = bytesPerSecond;
        this.cap = bytesPerSecond * (graceNanos / 1e9);
        this.credit = cap;
    }

    /** @return whether a rate is enforced */
    public boolean enabled() {
        return rate > 0;
    }

    /**
     * A wait for the client starts now.
     *
     * @param now {@code System.nanoTime()}
     * @param expectedBytes bytes the wait is for, when known (a write of that many): they earn their own time
     * @return nanoseconds until the client is too slow if the wait does not end (0: already), or -1 when off
     */
    public long startWait(long now, long expectedBytes) {
        if (rate <= 0) {
            return -1;
        }
        waitStart = now;
        double budget = credit + expectedBytes;
        return budget <= 0 ? 0 : (long) (budget * 1e9 / rate);
    }

    /** The wait that started at {@link #startWait} is over: its time is charged. @param now {@code nanoTime} */
    public void endWait(long now) {
        if (rate > 0 && waitStart >= 0) {
            credit -= (now - waitStart) / 1e9 * rate;
            waitStart = -1;
        }
    }

    /** @param bytes transferred: credited, up to the slack */
    public void transferred(long bytes) {
        if (rate > 0) {
            credit = Math.min(cap, credit + bytes);
        }
    }

    /** @return the rate in bytes per second, 0 = off */
    public long rate() {
        return rate;
    }
}
