package dev.hse4j.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The status charts' p50/p99 come from the growth of a Prometheus histogram's buckets over one interval. */
class HistoryBucketsTest {

    private static void record(LatencyHistogram t, int n, double millis) {
        for (int i = 0; i < n; i++) {
            t.record((long) (millis * 1_000_000));
        }
    }

    @Test
    void quantilesAreThoseOfTheIntervalOnlyWithinABucketsPrecision() {
        LatencyHistogram t = new LatencyHistogram();
        record(t, 1000, 40); // before the interval: must not count
        History.Buckets start = History.Buckets.of(t.snapshot());
        record(t, 900, 0.3);
        record(t, 100, 8);
        History.Buckets interval = History.Buckets.of(t.snapshot()).since(start);

        assertEquals(1000, interval.count);
        double p50 = interval.quantileMillis(0.5);
        double p99 = interval.quantileMillis(0.99);
        // Buckets grow by at most half: the interpolated value lies within one bucket of the truth.
        assertTrue(p50 > 0.2 && p50 < 0.4, "p50 " + p50);
        assertTrue(p99 > 6 && p99 < 11, "p99 " + p99);
    }

    @Test
    void noEarlierSampleOrNoRequestsGiveZero() {
        LatencyHistogram t = new LatencyHistogram();
        record(t, 10, 5);
        History.Buckets first = History.Buckets.of(t.snapshot()).since(null);
        assertEquals(0, first.count);
        assertEquals(0, first.quantileMillis(0.99));
        History.Buckets now = History.Buckets.of(t.snapshot());
        assertEquals(0, now.since(now).quantileMillis(0.5));
    }

    @Test
    void theServersFiguresAreTheSumOfTheExtensions() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        History.Buckets a0 = History.Buckets.of(a.snapshot());
        History.Buckets b0 = History.Buckets.of(b.snapshot());
        record(a, 500, 1);
        record(b, 500, 100);
        History.Buckets sum = History.Buckets.of(a.snapshot()).since(a0)
                .plus(History.Buckets.of(b.snapshot()).since(b0));
        assertEquals(1000, sum.count);
        assertTrue(sum.quantileMillis(0.25) < 1.5, "p25 " + sum.quantileMillis(0.25));
        assertTrue(sum.quantileMillis(0.99) > 70, "p99 " + sum.quantileMillis(0.99));
    }

    @Test
    void aLatencyAboveTheTopBucketReadsAsTheTopBound() {
        LatencyHistogram t = new LatencyHistogram();
        History.Buckets start = History.Buckets.of(t.snapshot());
        record(t, 10, 90_000);
        assertEquals(60_000, History.Buckets.of(t.snapshot()).since(start).quantileMillis(0.5), 1);
    }

    @Test
    void aLatencyOnABoundCountsInThatBucketAndTheSumIsKept() {
        LatencyHistogram t = new LatencyHistogram();
        t.record(100_000);     // exactly the first bound (le="1.0E-4")
        t.record(100_001);     // just above it
        t.record(90_000_000_000L); // above the top bound: only in +Inf
        LatencyHistogram.Snapshot s = t.snapshot();
        assertEquals(1, s.cumulative()[0]);
        assertEquals(2, s.cumulative()[1]);
        assertEquals(2, s.cumulative()[LatencyHistogram.BOUNDS_SECONDS.length - 1]);
        assertEquals(3, s.count());
        assertEquals(90.000200001, s.sumSeconds(), 1e-9);
    }
}
