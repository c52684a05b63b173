package dev.hse4j.server.ops;

import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.HostStats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The last minutes of the meters, for the status page's charts ({@code /hse/history.json}): every interval,
 * requests per second, p50 and p99 latency and pending sessions, for the server and for each extension,
 * read from the same latency histograms that {@code /hse/metrics} exposes: the latencies are the quantiles of the
 * interval's requests, from the growth of the timers' histogram buckets since the last sample.
 */
final class History {

    private final ObjectMapper json = new ObjectMapper();
    private final ServerMetrics metrics;
    private final ExtensionRegistry extensions;
    private final HostStats stats;
    private final long intervalMillis;
    private final int capacity;
    private final ArrayDeque<ObjectNode> samples = new ArrayDeque<>(); // guarded by this
    private final Map<String, Buckets> last = new HashMap<>();          // guarded by this: at the last sample

    History(ServerMetrics metrics, ExtensionRegistry extensions, HostStats stats, long intervalMillis, int capacity) {
        this.metrics = metrics;
        this.extensions = extensions;
        this.stats = stats;
        this.intervalMillis = intervalMillis;
        this.capacity = capacity;
    }

    /** Takes one sample (called every interval by the scheduler). */
    synchronized void sample() {
        ObjectNode s = json.createObjectNode();
        s.put("t", System.currentTimeMillis());
        s.put("rps", 0.0); // the server's figures: the sum of every extension's, filled in below
        s.put("p50ms", 0.0);
        s.put("p99ms", 0.0);
        s.put("pending", stats.pendingSessions());
        s.put("live", stats.liveSessions());
        ObjectNode ext = s.putObject("extensions");
        Map<String, Buckets> seen = new HashMap<>();
        Buckets all = null;
        for (Deployment d : extensions.active()) {
            Buckets now = Buckets.of(metrics.latency(d.name()).snapshot());
            Buckets interval = now.since(last.get(d.name()));
            ObjectNode e = ext.putObject(d.name());
            put(e, interval);
            e.put("pending", d.pendingSessions());
            seen.put(d.name(), now);
            all = all == null ? interval : all.plus(interval);
        }
        if (all != null) {
            put(s, all);
        }
        last.clear();
        last.putAll(seen);
        samples.addLast(s);
        while (samples.size() > capacity) {
            samples.removeFirst();
        }
    }

    private void put(ObjectNode n, Buckets interval) {
        n.put("rps", interval.count * 1000.0 / intervalMillis);
        n.put("p50ms", interval.quantileMillis(0.5));
        n.put("p99ms", interval.quantileMillis(0.99));
    }

    /**
     * A latency histogram's cumulative bucket counts ("le" buckets, as Prometheus keeps them) and request count:
     * since the start, or (after {@link #since}) over one interval. Every extension's histogram has the same buckets.
     */
    static final class Buckets {
        private final double[] upperMillis;
        private final double[] counts;
        final long count;

        private Buckets(double[] upperMillis, double[] counts, long count) {
            this.upperMillis = upperMillis;
            this.counts = counts;
            this.count = count;
        }

        static Buckets of(LatencyHistogram.Snapshot snap) {
            double[] upper = new double[LatencyHistogram.BOUNDS_SECONDS.length];
            double[] counts = new double[upper.length];
            for (int i = 0; i < upper.length; i++) {
                upper[i] = LatencyHistogram.BOUNDS_SECONDS[i] * 1000;
                counts[i] = snap.cumulative()[i];
            }
            return new Buckets(upper, counts, snap.count());
        }

        /** @return what was added since {@code before} (nothing when there is no earlier sample) */
        Buckets since(Buckets before) {
            double[] d = new double[counts.length];
            if (before == null || before.counts.length != counts.length) {
                return new Buckets(upperMillis, d, 0);
            }
            for (int i = 0; i < d.length; i++) {
                d[i] = Math.max(0, counts[i] - before.counts[i]);
            }
            return new Buckets(upperMillis, d, Math.max(0, count - before.count));
        }

        Buckets plus(Buckets other) {
            if (other.counts.length != counts.length) {
                return this;
            }
            double[] sum = counts.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += other.counts[i];
            }
            return new Buckets(upperMillis, sum, count + other.count);
        }

        /**
         * @return the q-quantile in milliseconds, interpolated linearly inside its bucket (as Prometheus's
         *     {@code histogram_quantile} does); 0 with no requests; the top bucket's bound above it
         */
        double quantileMillis(double q) {
            if (count == 0 || counts.length == 0) {
                return 0;
            }
            double rank = q * count;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] >= rank) {
                    double lower = i == 0 ? 0 : upperMillis[i - 1];
                    double below = i == 0 ? 0 : counts[i - 1];
                    double in = counts[i] - below;
                    return in <= 0 ? upperMillis[i] : lower + (upperMillis[i] - lower) * (rank - below) / in;
                }
            }
            return upperMillis[upperMillis.length - 1];
        }
    }

    /** @return {"intervalMs":…, "samples":[…]} oldest first */
    synchronized String toJson() {
        ObjectNode root = json.createObjectNode();
        root.put("intervalMs", intervalMillis);
        ArrayNode a = root.putArray("samples");
        samples.forEach(a::add);
        return root.toString();
    }
}
