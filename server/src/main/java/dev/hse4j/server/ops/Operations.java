package dev.hse4j.server.ops;

import dev.hse4j.server.config.OpsConfig;
import dev.hse4j.server.deploy.Deployer;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.HostStats;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.RequestLogWriter;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations layer of one server: metrics, readiness, the charts' history, the admin listener, the
 * access log's rotation and the drain on SIGTERM. The server wires it in with a few calls.
 */
public final class Operations implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);
    /** The charts' resolution and reach: a sample every 2 s, the last 5 minutes. */
    static final long HISTORY_INTERVAL_MS = 2_000;
    static final int HISTORY_SAMPLES = 150;

    private final OpsConfig config;
    private final Readiness readiness = new Readiness();
    private final ServerMetrics metrics;
    private final History history;
    private final OpsHandler endpoints;
    private final GracefulShutdown shutdown;
    private final ScheduledThreadPoolExecutor sampler = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "hse4j-history");
        t.setDaemon(true);
        return t;
    });
    private ServerConnector admin;

    /**
     * @param config the settings
     * @param drainTimeout the shutdown timeout when the settings leave it open
     * @param jetty the server
     * @param registry the deployments
     * @param deployer the deployer (its outcomes are counted)
     * @param stats the host's counters
     */
    public Operations(OpsConfig config, Duration drainTimeout, Server jetty, ExtensionRegistry registry,
                      Deployer deployer, HostStats stats) {
        this.config = config;
        this.metrics = new ServerMetrics(registry, stats, deployer, readiness);
        this.history = new History(metrics, registry, stats, HISTORY_INTERVAL_MS, HISTORY_SAMPLES);
        this.endpoints = new OpsHandler(metrics, readiness, history);
        this.shutdown = new GracefulShutdown(config.gracePeriod(),
                config.shutdownTimeout() != null ? config.shutdownTimeout() : drainTimeout, readiness, jetty, stats,
                registry);
        metrics.sessionEndHook(shutdown::sessionEnded);
    }

    /**
     * Adds the admin listener, if configured: plain HTTP on {@code adminHost:adminPort}.
     *
     * @param jetty the server
     * @param httpConfig the HTTP configuration of the main port
     */
    public void addAdminConnector(Server jetty, HttpConfiguration httpConfig) {
        if (!config.adminListener()) {
            return;
        }
        admin = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(httpConfig));
        admin.setName("admin");
        admin.setHost(config.adminHost());
        admin.setPort(config.adminPort());
        jetty.addConnector(admin);
        endpoints.admin(admin);
    }

    /**
     * Binds Jetty's meters (call after every connector is added).
     *
     * @param jetty the server
     * @param pool its thread pool
     */
    public void bindJetty(Server jetty, ThreadPool pool) {
        metrics.bindJetty(jetty, pool);
    }

    /**
     * Meters the connection layers: admission verdicts, PROXY refusals by reason, outbound connections.
     *
     * @param admission admission's counters, or {@code null}
     * @param proxy the PROXY listeners' counters, or {@code null}
     * @param outbound the outbound connections, or {@code null}
     */
    public void meterConnectionLayers(dev.hse4j.server.admission.AdmissionStats admission,
                                      dev.hse4j.server.proxy.ProxyStats proxy,
                                      dev.hse4j.server.outbound.OutboundConnections outbound) {
        metrics.bindConnectionLayers(admission, proxy, outbound);
    }

    /** @param host the extension host @return it, wrapped so each request is counted and timed */
    public Handler meter(Handler host) {
        return new RequestMeter(host, metrics);
    }

    /** @return the handler of /hse/ready, /hse/metrics, /hse/history.json and the admin gate; first in line */
    public Handler endpoints() {
        return endpoints;
    }

    /**
     * The access log's writer: one file, or with a retention a file per day ({@code yyyy_mm_dd} inserted
     * before the extension unless the name has it) of which those older than the retention are deleted now and
     * at each midnight rollover.
     *
     * @param file the configured access-log file
     * @return the writer
     */
    public RequestLogWriter accessLogWriter(Path file) {
        int days = config.accessLogRetainDays();
        String name = file.toString();
        if (days > 0 && !name.toLowerCase(Locale.ROOT).contains("yyyy_mm_dd")) {
            String base = file.getFileName().toString();
            int dot = base.lastIndexOf('.');
            String dated = dot > 0 ? base.substring(0, dot) + ".yyyy_mm_dd" + base.substring(dot) : base + ".yyyy_mm_dd";
            name = file.resolveSibling(dated).toString();
        }
        RequestLogWriter writer = new RequestLogWriter(name);
        writer.setAppend(true);
        writer.setRetainDays(days);
        writer.setFilenameDateFormat("yyyy_MM_dd");
        if (days > 0) {
            removeExpiredLogs(Path.of(name), days);
        }
        return writer;
    }

    /** Jetty deletes expired files only at midnight; a server restarted daily would never see one go. */
    private static void removeExpiredLogs(Path pattern, int days) {
        String fn = pattern.getFileName().toString();
        int at = fn.toLowerCase(Locale.ROOT).indexOf("yyyy_mm_dd");
        String prefix = fn.substring(0, at);
        String suffix = fn.substring(at + "yyyy_mm_dd".length());
        Instant expired = Instant.now().minus(Duration.ofDays(days));
        Path dir = pattern.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(prefix) && n.endsWith(suffix) && n.length() == fn.length()
                        && Files.getLastModifiedTime(p).toInstant().isBefore(expired)) {
                    Files.deleteIfExists(p);
                    LOG.info("deleted the access log {} (older than {} days)", p, days);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot remove old access logs in {}: {}", dir, e.toString());
        }
    }

    /** The start-up deploys are done: ready, and the history starts sampling. */
    public void started() {
        readiness.started();
        sampler.scheduleAtFixedRate(() -> {
            try {
                history.sample();
            } catch (RuntimeException e) {
                LOG.warn("sampling the charts' history failed", e);
            }
        }, 0, HISTORY_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * @param check also required for {@code /hse/ready} to answer 200 once started (extensions' own health
     *        reports, when they are to take the node out); {@code unhealthy} otherwise
     */
    public void alsoReadyWhen(java.util.function.BooleanSupplier check) {
        endpoints.alsoReadyWhen(check);
    }

    /** @return the readiness */
    public Readiness readiness() {
        return readiness;
    }

    /** @return the metrics */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** @return the drain on SIGTERM */
    public GracefulShutdown shutdown() {
        return shutdown;
    }

    /** @return the admin listener's bound port, or -1 when there is none */
    public int adminPort() {
        return admin == null ? -1 : admin.getLocalPort();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        metrics.close();
    }
}
