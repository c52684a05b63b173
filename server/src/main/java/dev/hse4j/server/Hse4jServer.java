package dev.hse4j.server;

import dev.hse4j.server.admission.AdmissionGate;
import dev.hse4j.server.config.LimitsConfig;
import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.deploy.Deployer;
import dev.hse4j.server.deploy.DirectoryWatcher;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.deploy.JarLoader;
import dev.hse4j.server.deploy.Retirement;
import dev.hse4j.server.deploy.ShadowDirectory;
import dev.hse4j.server.host.ExtensionHost;
import dev.hse4j.server.host.HostStats;
import dev.hse4j.server.outbound.OutboundConnections;
import dev.hse4j.server.net.ConnectionContextLog;
import dev.hse4j.server.net.Hse4jConnector;
import dev.hse4j.server.host.SessionObserver;
import dev.hse4j.server.strict.StrictPolicy;
import dev.hse4j.server.strict.StrictReports;
import dev.hse4j.server.limits.HeadTimeoutConnectionFactory;
import dev.hse4j.server.limits.LimitStats;
import dev.hse4j.server.limits.LimitsStatus;
import dev.hse4j.server.limits.ResumingThreadPool;
import dev.hse4j.server.limits.ThreadModes;
import dev.hse4j.server.config.ProxyConfig;
import dev.hse4j.server.proxy.ProxyProtocol;
import dev.hse4j.server.ops.GracefulShutdown;
import dev.hse4j.server.ops.Operations;
import dev.hse4j.server.tls.TlsConnectors;
import dev.hse4j.server.web.CustomErrorHandler;
import dev.hse4j.server.web.CustomErrors;
import dev.hse4j.server.web.ExtensionHealth;
import dev.hse4j.server.web.StatusHandler;
import dev.hse4j.server.web.Webroot;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.CustomRequestLog;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.RequestLogWriter;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.AllowedResourceAliasChecker;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An hse4j server: Jetty with the request path connector → router → extension host / status / webroot.
 * Start it, use it, close it. Nothing here is static, so tests can run several side by side.
 */
public final class Hse4jServer implements AutoCloseable {

    /** SERVER_SOFTWARE. */
    public static final String SOFTWARE = "hse4j/0.1.0";

    /** The access-log format: NCSA combined, then the extension's log data in quotes. */
    public static final String ACCESS_LOG_FORMAT = CustomRequestLog.EXTENDED_NCSA_FORMAT
            + " \"%{" + ExtensionHost.LOG_ATTRIBUTE + "}attr\"";

    private static final Logger LOG = LoggerFactory.getLogger(Hse4jServer.class);

    private final ServerConfig config;
    private final Server jetty;
    private final ServerConnector http;
    private final TlsConnectors tls;
    private final Retirement retirement;
    private final ExtensionRegistry registry;
    private final Deployer deployer;
    private final DirectoryWatcher watcher;
    private final ExtensionHost host;
    private final StatusHandler status;
    private final ShadowDirectory shadow;
    private final OutboundConnections outbound;
    private final AdmissionGate admission;
    private final HttpConfiguration httpConfig;
    private final StrictReports strictReports;
    private final LimitStats limitStats = new LimitStats();
    private final ProxyProtocol proxy;
    private final Operations ops;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param config the configuration
     * @throws IOException if the webroot or work directory cannot be prepared
     */
    public Hse4jServer(ServerConfig config) throws IOException {
        this.config = config;
        LimitsConfig limits = config.limits();
        // A connection resumed by a completion's delivery reads on that thread after it (no second wake-up).
        ResumingThreadPool pool = new ResumingThreadPool(limits.maxThreads(), 8);
        pool.setName("hse4j");
        Executor virtual = ThreadModes.virtualExecutor(limits.threadMode());
        if (virtual != null) {
            pool.setVirtualThreadsExecutor(virtual);
        }
        jetty = new Server(pool);
        jetty.setStopTimeout(5_000);

        httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendXPoweredBy(false);
        httpConfig.setUriCompliance(UriCompliance.DEFAULT);
        admission = new AdmissionGate(config.admission(), pool);
        http = new Hse4jConnector(jetty, admission, "http",
                new HeadTimeoutConnectionFactory(httpConfig, limits.headerTimeout(), limitStats));
        http.setHost(config.host());
        http.setPort(config.httpPort());
        // The JDK's default backlog (50) drops SYNs when thousands of clients connect at once.
        http.setAcceptQueueSize(4096);
        http.setIdleTimeout(config.idleTimeout().toMillis());
        jetty.addConnector(http);
        tls = TlsConnectors.create(jetty, httpConfig, config, // null: no HTTPS
                (server, factories) -> new Hse4jConnector(server, admission, "https", factories),
                c -> new HeadTimeoutConnectionFactory(c, limits.headerTimeout(), limitStats));
        admission.attach(jetty, tls == null ? List.of(http) : List.of(http, tls.connector()));
        proxy = new ProxyProtocol(config.proxy());
        proxy.install(http, ProxyConfig.Listener.HTTP);
        proxy.install(tls == null ? null : tls.connector(), ProxyConfig.Listener.HTTPS);

        Webroot webroot = new Webroot(config.webroot());
        // Created (and stale ones of dead servers cleaned) only once the ports are ours: see start().
        shadow = new ShadowDirectory(config.workDir().resolve("shadow"));
        Path shadowDir = shadow.dir();
        retirement = new Retirement(config.drainTimeout());
        registry = new ExtensionRegistry(retirement);
        JarLoader loader = new JarLoader(shadowDir, config.readAheadBytes(), config.sessionTimeout(),
                retirement.leakWatch(), limits.effectiveMaxConcurrentRequests(), limits.maxRequestBody());
        outbound = new OutboundConnections(config.outbound(), virtual != null ? virtual : pool);
        loader.resources(outbound);
        strictReports = new StrictReports();
        loader.strict(new StrictPolicy(config.strict(), strictReports));
        deployer = new Deployer(config.extensionsDir(), loader, registry);
        deployer.hooks(admission.hooks());
        watcher = config.watch() ? new DirectoryWatcher(deployer, config.scanInterval()) : null;
        host = new ExtensionHost(registry, webroot, virtual != null ? virtual : pool, jetty.getScheduler(),
                config.readTimeout(), SOFTWARE, TlsConnectors::pieceSize, limits, limitStats);
        // Completions delivered off their starting thread run the client connection's resume after them (no second
        // wake-up); inside an outbound completion they run on its thread after it (no hand-off at all).
        Executor workers = virtual != null ? virtual : pool;
        host.deliverCompletionsWith(outbound.deferring(job -> workers.execute(() -> pool.runHoldingResume(job))));
        outbound.runCompletionsWith(pool::runHoldingResume);
        java.util.function.Supplier<com.fasterxml.jackson.databind.node.ObjectNode> tlsStatus =
                tls == null ? TlsConnectors::disabledStatusJson : tls::statusJson;
        status = new StatusHandler(registry, deployer, host.stats(), () -> {
            com.fasterxml.jackson.databind.node.ObjectNode n = tlsStatus.get();
            n.setAll(outbound.statusJson());
            n.setAll(admission.statusJson());
            n.setAll(proxy.statusJson());
            n.setAll(strictReports.json(config.strict().enabled(), config.strict().completionThreshold().toMillis()));
            return LimitsStatus.addTo(n, limits, limitStats, virtual != null);
        });
        status.watcher(watcher);
        ExtensionHealth health = new ExtensionHealth(registry, config.health().unhealthyFailsReadiness());
        status.health(health);
        CustomErrors customErrors = new CustomErrors(webroot); // errors/<status>.html from the webroot
        host.customErrors(customErrors);
        jetty.setErrorHandler(new CustomErrorHandler(customErrors));
        ops = new Operations(config.ops(), config.drainTimeout(), jetty, registry, deployer, host.stats());
        ops.addAdminConnector(jetty, httpConfig);
        ops.bindJetty(jetty, pool);
        ops.meterConnectionLayers(admission.stats(), proxy.stats(), outbound);
        ops.alsoReadyWhen(health::ready); // --unhealthy-fails-readiness

        // The router: the first handler that claims the request answers it.
        Handler router = new Handler.Sequence(ops.endpoints(), ops.meter(host), status, staticFiles(webroot));
        jetty.setHandler(config.admission().logContext() ? new ConnectionContextLog(router) : router);

        if (config.accessLog() != null) {
            Path log = config.accessLog().toAbsolutePath();
            Files.createDirectories(log.getParent());
            RequestLogWriter writer = ops.accessLogWriter(log);
            jetty.setRequestLog(new CustomRequestLog(writer, config.admission().logContext()
                    ? ACCESS_LOG_FORMAT + " \"%{" + ConnectionContextLog.ATTRIBUTE + "}attr\"" : ACCESS_LOG_FORMAT));
        }
    }

    /** The webroot's static files, or a handler that serves none if the webroot is missing. */
    private static Handler staticFiles(Webroot webroot) {
        if (!Files.isDirectory(webroot.root())) {
            LOG.warn("webroot {} is not a directory: no static files are served (use --webroot DIR)", webroot.root());
            return new Handler.Abstract.NonBlocking() {
                @Override
                public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                      org.eclipse.jetty.util.Callback callback) {
                    return false;
                }
            };
        }
        ResourceHandler files = new ResourceHandler();
        files.setBaseResource(ResourceFactory.of(files).newResource(webroot.root()));
        files.setDirAllowed(false);
        files.setWelcomeFiles(List.of("index.html"));
        files.setEtags(true);
        // A context, so Jetty's alias checks apply: only aliases resolving inside the webroot are served,
        // never a symbolic link leading out of it.
        ContextHandler context = new ContextHandler(files, "/");
        context.setBaseResource(files.getBaseResource());
        context.clearAliasChecks();
        context.addAliasCheck(new AllowedResourceAliasChecker(context));
        return context;
    }

    /**
     * Opens the ports, then loads the extensions (several at a time); returns once they are loaded. The ports
     * come first, so a second server started in the same directory fails on them before it touches the work
     * directory or calls any extension; while the extensions load, their URLs answer 503 with Retry-After.
     *
     * @return this
     * @throws Exception if Jetty cannot start (port in use...) or the shadow directory cannot be made
     */
    public Hse4jServer start() throws Exception {
        jetty.start();
        LOG.info("{} (extensions from {}, webroot {})", listeningLine(), config.extensionsDir().toAbsolutePath(),
                config.webroot().toAbsolutePath());
        if (tls != null) {
            tls.logStarted();
        }
        shadow.claim();
        long t0 = System.nanoTime();
        if (watcher != null) {
            watcher.start(); // deploys what is there, then watches for new, changed and removed jars
        } else {
            deployer.deployAll();
        }
        registry.startupDone();
        ops.started();
        LOG.info("hse4j ready: {} extension(s) serving, loaded in {} ms", registry.active().size(),
                (System.nanoTime() - t0) / 1_000_000);
        return this;
    }

    /** What the start-up line says: the address really bound, and a URL that works from this machine. */
    String listeningLine() {
        String h = config.host();
        if (isWildcard(h)) {
            return "hse4j listening on all addresses (" + h + ") port " + httpPort() + ", e.g. http://localhost:"
                    + httpPort() + "/";
        }
        return "hse4j listening on " + baseUri();
    }

    private static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    /**
     * Adds an in-memory connector (Jetty's {@link LocalConnector}) in front of the same handlers: requests
     * through it take the server's whole path without a socket. For the extension test kit; call before
     * {@link #start()}.
     *
     * @return the connector
     */
    public LocalConnector addLocalConnector() {
        LocalConnector local = new LocalConnector(jetty, new HttpConnectionFactory(httpConfig));
        local.setIdleTimeout(config.idleTimeout().toMillis());
        jetty.addConnector(local);
        return local;
    }

    /** @param observer told of every extension session's end (the test kit), or {@code null} */
    public void sessionObserver(SessionObserver observer) {
        host.observer(observer);
    }

    /** @return what strict mode found */
    public StrictReports strictReports() {
        return strictReports;
    }

    /** @return the bound HTTP port */
    public int httpPort() {
        return http.getLocalPort();
    }

    /** @return {@code http://127.0.0.1:<port>/} when bound to all addresses, else the bound host */
    public URI baseUri() {
        return URI.create("http://" + uriHost() + ":" + httpPort() + "/");
    }

    private String uriHost() {
        String h = config.host();
        if (isWildcard(h)) {
            return "127.0.0.1";
        }
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    /** @return the bound HTTPS port, or -1 when HTTPS is off */
    public int httpsPort() {
        return tls == null ? -1 : tls.port();
    }

    /** @return {@code https://127.0.0.1:<port>/} (or the bound host), or null when HTTPS is off */
    public URI httpsUri() {
        if (tls == null) {
            return null;
        }
        return URI.create("https://" + uriHost() + ":" + httpsPort() + "/");
    }

    /** @return the HTTPS connector's owner (status, certificate), or null when HTTPS is off */
    public TlsConnectors tls() {
        return tls;
    }

    /** @return the configuration */
    public ServerConfig config() { return config; }
    /** @return the extension registry */
    public ExtensionRegistry registry() { return registry; }
    /** @return the deployer */
    public Deployer deployer() { return deployer; }
    /** @return the extensions-directory watcher, or {@code null} when not watching */
    public DirectoryWatcher watcher() { return watcher; }
    /** @return the host's counters */
    public HostStats stats() { return host.stats(); }
    /** @return this server's own directory of shadow copies (under the work directory) */
    public Path shadowDir() { return shadow.dir(); }
    /** @return the outbound connections of the extensions */
    public OutboundConnections outbound() { return outbound; }
    /** @return connection admission (policies, hooks, verdict counts) */
    public AdmissionGate admission() { return admission; }
    /** @return what the limits turned away */
    public LimitStats limitStats() { return limitStats; }
    /** @return the PROXY layer (its counters) */
    public ProxyProtocol proxy() { return proxy; }
    /** @return the status handler (its document) */
    public StatusHandler status() { return status; }

    /**
     * Drains and stops the server on a thread of its own (SIGTERM): see {@link GracefulShutdown}. A second
     * call skips the waiting left.
     *
     * @param signal what asked, for the log
     */
    public void drainAndStop(String signal) {
        ops.shutdown().signal(() -> {
            try {
                close();
            } catch (Exception e) {
                LOG.error("error while stopping", e);
            }
        }, signal);
    }

    /** @return the operations layer (metrics, readiness, drain) */
    public Operations ops() { return ops; }

    /** Stops the server: closes the ports, then terminates every extension. */
    @Override
    public void close() throws Exception {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (watcher != null) {
            watcher.close();
        }
        try {
            jetty.stop();
        } finally {
            admission.hooks().retireAll();
            registry.retireAll();
            retirement.close();
            shadow.close();
            outbound.close();
            ops.close();
        }
    }

    /** Blocks until the server stops. @throws InterruptedException if interrupted */
    public void join() throws InterruptedException {
        jetty.join();
    }
}
