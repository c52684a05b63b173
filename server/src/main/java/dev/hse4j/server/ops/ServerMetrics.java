package dev.hse4j.server.ops;

import dev.hse4j.server.deploy.Deployer;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.HostStats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jetty.JettySslHandshakeMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * hse4j's meters in a Prometheus registry (Micrometer): the JVM's, Jetty's (connections, TLS handshakes, the
 * thread pool) and the host's own, per extension: requests by status class, a latency histogram, live and
 * pending sessions, session ends by outcome, session timeouts, asynchronous completions by Win32 code; deploys
 * by action and outcome; retired class loaders not collected. Extension labels are mount names that were
 * deployed when the request came, so a client cannot grow the label set by asking for made-up names.
 */
public final class ServerMetrics implements HostStats.Observer {

    /** The label of requests under /ext/ for a name nothing served. */
    static final String NO_EXTENSION = "_none";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ExtensionRegistry extensions;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final MultiGauge live;
    private final MultiGauge pending;
    private final MultiGauge unhealthy;
    private final MultiGauge unhealthyReports;
    private volatile ConnectionMeters connections;
    private final java.util.concurrent.ConcurrentHashMap<String, ExtensionMeters> meters =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Runnable sessionEndHook = () -> { };

    /**
     * @param extensions the deployments (for the per-extension gauges and leak count)
     * @param stats the host's counters (server-wide gauges; this becomes its observer)
     * @param deployer told to report deploy outcomes here
     * @param readiness the node's readiness (a gauge)
     */
    public ServerMetrics(ExtensionRegistry extensions, HostStats stats, Deployer deployer, Readiness readiness) {
        this.extensions = extensions;
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("hse4j.sessions.live", stats, HostStats::liveSessions)
                .description("Extension sessions not yet ended").register(registry);
        Gauge.builder("hse4j.sessions.pending", stats, HostStats::pendingSessions)
                .description("Live sessions whose procedure returned PENDING").register(registry);
        Gauge.builder("hse4j.ready", readiness, r -> r.isReady() ? 1 : 0)
                .description("1 when /hse/ready answers 200").register(registry);
        Gauge.builder("hse4j.retired.loaders.not.collected", extensions,
                        e -> e.retirement().leakWatch().notCollected().size())
                .description("Class loaders of unloaded extension versions still not garbage-collected")
                .register(registry);
        live = MultiGauge.builder("hse4j.extension.sessions.live")
                .description("Sessions of the extension not yet ended").register(registry);
        pending = MultiGauge.builder("hse4j.extension.sessions.pending")
                .description("Sessions of the extension waiting for doneWithSession").register(registry);
        unhealthy = MultiGauge.builder("hse4j.extension.unhealthy")
                .description("1 while the extension's deployed version has reported itself unhealthy "
                        + "(HSE_REQ_REPORT_UNHEALTHY), 0 otherwise; a redeploy clears it").register(registry);
        unhealthyReports = MultiGauge.builder("hse4j.extension.unhealthy.reports")
                .description("Unhealthy reports the extension's deployed version has made").register(registry);
        registry.getPrometheusRegistry().register(this::latencies);
        stats.observer(this);
        deployer.outcomeListener(this::deployed);
    }

    /**
     * Binds Jetty's meters; call once every connector has been added.
     *
     * @param jetty the server
     * @param pool its thread pool
     */
    public void bindJetty(Server jetty, ThreadPool pool) {
        new JettyServerThreadPoolMetrics(pool, Tags.empty()).bindTo(registry);
        for (org.eclipse.jetty.server.Connector c : jetty.getConnectors()) {
            // One count per socket, not one per protocol layer on it (TLS would count twice).
            c.addBean(new NetworkConnections(new JettyConnectionMetrics(registry, c)));
        }
        JettySslHandshakeMetrics.addToAllConnectors(jetty, registry);
    }

    /**
     * Adds the connection layers' meters (admission verdicts, PROXY refusals, outbound connections).
     *
     * @param admission admission's counters, or {@code null}
     * @param proxy the PROXY listeners' counters, or {@code null}
     * @param outbound the outbound connections, or {@code null}
     */
    public void bindConnectionLayers(dev.hse4j.server.admission.AdmissionStats admission,
                                     dev.hse4j.server.proxy.ProxyStats proxy,
                                     dev.hse4j.server.outbound.OutboundConnections outbound) {
        connections = new ConnectionMeters(registry, admission, proxy, outbound);
    }

    /** @return the registry (other layers may add their meters) */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** @param extension a mount name @return its latency histogram (created on first use) */
    LatencyHistogram latency(String extension) {
        return meters(extension).latency;
    }

    /**
     * Every extension's latency histogram, as one Prometheus metric family: hse4j records them itself
     * ({@link LatencyHistogram}) and hands the registry their counts at scrape time.
     */
    private HistogramSnapshot latencies() {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name("hse4j_extension_request_seconds")
                .help("Latency of the extension's requests, from the request line to the response's end")
                .unit(Unit.SECONDS);
        meters.forEach((extension, m) -> {
            if (m.latency == null) {
                return;
            }
            LatencyHistogram.Snapshot s = m.latency.snapshot();
            double[] bounds = LatencyHistogram.BOUNDS_WITH_INFINITY.clone(); // the model may sort what it is given
            long[] perBucket = new long[bounds.length]; // the model wants each bucket's own count, not cumulative
            for (int i = 0; i < perBucket.length; i++) {
                perBucket[i] = s.cumulative()[i] - (i == 0 ? 0 : s.cumulative()[i - 1]);
            }
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, perBucket))
                    .sum(s.sumSeconds()).labels(Labels.of("extension", extension)).build());
        });
        return b.build();
    }

    /**
     * The meters of one extension label, looked up once: a Micrometer builder + {@code register} per request
     * builds an id, sorts its tags and searches the registry (the hello profile showed it), where a field read
     * does. Keyed by labels that passed {@link #requestCompleted}'s check (deployed names and "_none"), so
     * clients cannot grow it.
     */
    private ExtensionMeters meters(String extension) {
        ExtensionMeters m = meters.get(extension);
        return m != null ? m : meters.computeIfAbsent(extension, ExtensionMeters::new);
    }

    /** One extension label's meters; each created on first use, so the exposition lists what happened only. */
    private final class ExtensionMeters {
        private static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
        private final String extension;
        private final LatencyHistogram latency;
        private final Counter[] requests = new Counter[STATUS_CLASSES.length];
        private final Counter[] ended = new Counter[HostStats.Outcome.values().length];
        private final java.util.concurrent.ConcurrentHashMap<Integer, Counter> completions =
                new java.util.concurrent.ConcurrentHashMap<>();
        private volatile Counter timeouts;

        ExtensionMeters(String extension) {
            this.extension = extension;
            this.latency = NO_EXTENSION.equals(extension) ? null : new LatencyHistogram();
        }

        Counter requests(int status) {
            int i = status >= 100 && status < 600 ? status / 100 : 0;
            Counter c = requests[i];
            if (c == null) { // a race registers the same counter twice: register returns the existing one
                c = Counter.builder("hse4j.extension.requests").description("Requests by extension and status class")
                        .tags("extension", extension, "status", STATUS_CLASSES[i]).register(registry);
                requests[i] = c;
            }
            return c;
        }

        Counter ended(HostStats.Outcome outcome) {
            Counter c = ended[outcome.ordinal()];
            if (c == null) {
                c = Counter.builder("hse4j.extension.sessions.ended").description("Sessions by how they ended")
                        .tags("extension", extension, "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry);
                ended[outcome.ordinal()] = c;
            }
            return c;
        }

        Counter timeouts() {
            Counter c = timeouts;
            if (c == null) {
                c = Counter.builder("hse4j.extension.session.timeouts")
                        .description("Sessions ended by the session timeout (doneWithSession never called)")
                        .tags("extension", extension).register(registry);
                timeouts = c;
            }
            return c;
        }

        Counter completion(int code) {
            return completions.computeIfAbsent(code, k -> Counter.builder("hse4j.extension.async.completions")
                    .description("Asynchronous operations by their completion's Win32 code (0 = success)")
                    .tags("extension", extension, "code", Integer.toString(k)).register(registry));
        }
    }

    /**
     * A request under /ext/ ended.
     *
     * @param name the mount name asked for
     * @param status the HTTP status sent (0 if none)
     * @param nanos how long it took
     */
    void requestCompleted(String name, int status, long nanos) {
        String ext = name != null && extensions.serving(name) != null ? name : NO_EXTENSION;
        ExtensionMeters m = meters(ext);
        m.requests(status).increment();
        if (m.latency != null) {
            m.latency.record(nanos);
        }
    }

    /** @param hook run after every session end (the drain waits on it) */
    void sessionEndHook(Runnable hook) {
        this.sessionEndHook = hook;
    }

    @Override
    public void sessionEnded(String extension, HostStats.Outcome outcome, boolean wasPending) {
        sessionEndHook.run();
        ExtensionMeters m = meters(extension);
        m.ended(outcome).increment();
        if (outcome == HostStats.Outcome.TIMEOUT) {
            m.timeouts().increment();
        }
    }

    @Override
    public void asyncCompleted(String extension, int code) {
        meters(extension).completion(code).increment();
    }

    private void deployed(Deployer.Outcome o) {
        Counter.builder("hse4j.deploys").description("Deploy, redeploy and remove attempts by outcome")
                .tags("action", o.action(), "outcome", o.ok() ? "ok" : "failed").register(registry).increment();
    }

    /** Brings the per-extension gauges up to date (the set of extensions changes with deploys). */
    void refresh() {
        List<MultiGauge.Row<?>> l = new ArrayList<>();
        List<MultiGauge.Row<?>> p = new ArrayList<>();
        List<MultiGauge.Row<?>> u = new ArrayList<>();
        List<MultiGauge.Row<?>> r = new ArrayList<>();
        for (Deployment d : extensions.active()) {
            Tags tags = Tags.of("extension", d.name());
            l.add(MultiGauge.Row.of(tags, d.inFlight()));
            p.add(MultiGauge.Row.of(tags, d.pendingSessions()));
            Deployment.UnhealthyReport sick = d.unhealthy();
            u.add(MultiGauge.Row.of(tags, sick == null ? 0 : 1));
            r.add(MultiGauge.Row.of(tags, sick == null ? 0 : sick.count()));
        }
        live.register(l, true);
        pending.register(p, true);
        unhealthy.register(u, true);
        unhealthyReports.register(r, true);
        ConnectionMeters c = connections;
        if (c != null) {
            c.refresh();
        }
    }

    /** @return the Prometheus text exposition of every meter */
    public String scrape() {
        refresh();
        return registry.scrape();
    }

    /** Stops the GC listener. */
    public void close() {
        gc.close();
        registry.close();
    }
}
