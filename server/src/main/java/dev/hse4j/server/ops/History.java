package dev.hse4j.server.ops;

import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.HostStats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The last minutes of the meters, for the status page's charts ({@code /hse/history.json}): every interval,
 * requests per second, p50 and p99 latency and pending sessions, for the server and for each extension,
 * read from the same Micrometer timers that {@code /hse/metrics} exposes.
 */
final class History {

    private final ObjectMapper json = new ObjectMapper();
    private final ServerMetrics metrics;
    private final ExtensionRegistry extensions;
    private final HostStats stats;
    private final long intervalMillis;
    private final int capacity;
    private final ArrayDeque<ObjectNode> samples = new ArrayDeque<>(); // guarded by this
    private final Map<String, Long> lastCounts = new HashMap<>();      // guarded by this
    private long lastAll = -1;                                          // guarded by this

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
        Timer all = metrics.allRequests();
        long count = all.count();
        put(s, all, lastAll < 0 ? 0 : count - lastAll);
        lastAll = count;
        s.put("pending", stats.pendingSessions());
        s.put("live", stats.liveSessions());
        ObjectNode ext = s.putObject("extensions");
        Map<String, Long> seen = new HashMap<>();
        for (Deployment d : extensions.active()) {
            Timer t = metrics.timer(d.name());
            long c = t.count();
            Long before = lastCounts.get(d.name());
            ObjectNode e = ext.putObject(d.name());
            put(e, t, before == null ? 0 : Math.max(0, c - before));
            e.put("pending", d.pendingSessions());
            seen.put(d.name(), c);
        }
        lastCounts.clear();
        lastCounts.putAll(seen);
        samples.addLast(s);
        while (samples.size() > capacity) {
            samples.removeFirst();
        }
    }

    private void put(ObjectNode n, Timer t, long requests) {
        n.put("rps", requests * 1000.0 / intervalMillis);
        HistogramSnapshot snap = t.takeSnapshot();
        double p50 = 0;
        double p99 = 0;
        for (ValueAtPercentile v : snap.percentileValues()) {
            if (v.percentile() == 0.5) {
                p50 = v.value(TimeUnit.MILLISECONDS);
            } else if (v.percentile() == 0.99) {
                p99 = v.value(TimeUnit.MILLISECONDS);
            }
        }
        n.put("p50ms", p50);
        n.put("p99ms", p99);
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
