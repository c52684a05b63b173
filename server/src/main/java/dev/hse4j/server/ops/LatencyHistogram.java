package dev.hse4j.server.ops;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * One extension's request latencies as a classic Prometheus histogram: a count per bucket and the sum, from
 * 100 µs to 60 s. Recording is a bucket search and two {@link LongAdder} increments, which stripe themselves
 * when two threads record at once: no clock read, no lock, no shared cache line. A Micrometer timer did the
 * same job with a time-window max and a windowed histogram, two clock reads and an {@code AtomicLongArray}
 * slot both network threads wrote, about 1.5 % of a hello's CPU.
 */
final class LatencyHistogram {

    /**
     * Upper bounds ("le") in seconds: 1, 1.5, 2, 3, 5 and 7 per decade, so that a quantile interpolated inside
     * a bucket ({@link History.Buckets}) is within half a step of the truth.
     */
    static final double[] BOUNDS_SECONDS = bounds();

    /** {@link #BOUNDS_SECONDS} and +Inf: the upper bounds of {@link Snapshot#cumulative()}'s entries. */
    static final double[] BOUNDS_WITH_INFINITY = withInfinity(BOUNDS_SECONDS);

    private static final long[] BOUNDS_NANOS = nanos(BOUNDS_SECONDS);

    /** {@code counts[i]}: latencies in (bound i-1, bound i]; the last one counts those above the top bound. */
    private final LongAdder[] counts = new LongAdder[BOUNDS_NANOS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    LatencyHistogram() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** @param nanos one request's latency */
    void record(long nanos) {
        int i = 0;
        // Linear from the bottom: nearly every request falls in the first few buckets.
        while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
            i++;
        }
        counts[i].increment();
        sumNanos.add(nanos);
    }

    /** @return the counts so far, cumulative as Prometheus keeps them (racing records may be half in) */
    Snapshot snapshot() {
        long[] cumulative = new long[counts.length];
        long running = 0;
        for (int i = 0; i < counts.length; i++) {
            running += counts[i].sum();
            cumulative[i] = running;
        }
        return new Snapshot(cumulative, sumNanos.sum() / 1e9);
    }

    /**
     * Counts at one moment.
     *
     * @param cumulative requests at or below each bound of {@link #BOUNDS_SECONDS}, then all of them (+Inf)
     * @param sumSeconds the latencies' sum
     */
    record Snapshot(long[] cumulative, double sumSeconds) {
        /** @return requests recorded */
        long count() {
            return cumulative[cumulative.length - 1];
        }
    }

    private static double[] bounds() {
        double[] steps = {1, 1.5, 2, 3, 5, 7};
        double[] b = new double[6 * 5 + 4];
        int n = 0;
        for (int exponent = -4; exponent <= 0; exponent++) {
            for (double s : steps) {
                b[n++] = Math.round(s * Math.pow(10, exponent) * 1e6) / 1e6; // 0.00015, not 1.4999999999999999E-4
            }
        }
        for (double top : new double[] {10, 15, 30, 60}) {
            b[n++] = top;
        }
        return b;
    }

    private static double[] withInfinity(double[] bounds) {
        double[] b = Arrays.copyOf(bounds, bounds.length + 1);
        b[bounds.length] = Double.POSITIVE_INFINITY;
        return b;
    }

    private static long[] nanos(double[] seconds) {
        long[] n = new long[seconds.length];
        for (int i = 0; i < n.length; i++) {
            n[i] = Math.round(seconds[i] * 1e9);
        }
        return n;
    }
}
