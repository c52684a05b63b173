package dev.hse4j.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The status charts' p50/p99 come from the growth of a Prometheus histogram's buckets over one interval. */
class HistoryBucketsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private Timer timer(String name) {
        return Timer.builder("t").tags("extension", name).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    private static void record(Timer t, int n, double millis) {
        for (int i = 0; i < n; i++) {
            t.record((long) (millis * 1_000_000), TimeUnit.NANOSECONDS);
        }
    }

    @Test
    void quantilesAreThoseOfTheIntervalOnlyWithinABucketsPrecision() {
        Timer t = timer("a");
        record(t, 1000, 40); // before the interval: must not count
        History.Buckets start = History.Buckets.of(t.takeSnapshot());
        record(t, 900, 0.3);
        record(t, 100, 8);
        History.Buckets interval = History.Buckets.of(t.takeSnapshot()).since(start);

        assertEquals(1000, interval.count);
        double p50 = interval.quantileMillis(0.5);
        double p99 = interval.quantileMillis(0.99);
        // Buckets grow by at most a third: the interpolated value lies within one bucket of the truth.
        assertTrue(p50 > 0.2 && p50 < 0.4, "p50 " + p50);
        assertTrue(p99 > 6 && p99 < 11, "p99 " + p99);
    }

    @Test
    void noEarlierSampleOrNoRequestsGiveZero() {
        Timer t = timer("b");
        record(t, 10, 5);
        History.Buckets first = History.Buckets.of(t.takeSnapshot()).since(null);
        assertEquals(0, first.count);
        assertEquals(0, first.quantileMillis(0.99));
        History.Buckets now = History.Buckets.of(t.takeSnapshot());
        assertEquals(0, now.since(now).quantileMillis(0.5));
    }

    @Test
    void theServersFiguresAreTheSumOfTheExtensions() {
        Timer a = timer("c");
        Timer b = timer("d");
        History.Buckets a0 = History.Buckets.of(a.takeSnapshot());
        History.Buckets b0 = History.Buckets.of(b.takeSnapshot());
        record(a, 500, 1);
        record(b, 500, 100);
        History.Buckets sum = History.Buckets.of(a.takeSnapshot()).since(a0)
                .plus(History.Buckets.of(b.takeSnapshot()).since(b0));
        assertEquals(1000, sum.count);
        assertTrue(sum.quantileMillis(0.25) < 1.5, "p25 " + sum.quantileMillis(0.25));
        assertTrue(sum.quantileMillis(0.99) > 70, "p99 " + sum.quantileMillis(0.99));
    }

    @Test
    void aLatencyAboveTheTopBucketReadsAsTheTopBound() {
        Timer t = timer("e");
        History.Buckets start = History.Buckets.of(t.takeSnapshot());
        record(t, 10, 90_000);
        assertEquals(60_000, History.Buckets.of(t.takeSnapshot()).since(start).quantileMillis(0.5), 1);
    }
}
