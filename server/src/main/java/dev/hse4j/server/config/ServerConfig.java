package dev.hse4j.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the server is configured with; immutable. Build with {@link #builder()}; the builder starts
 * from what a bare {@code java -jar hse4j-server.jar} runs with.
 *
 * @param host the address to listen on ({@code 0.0.0.0} = all)
 * @param httpPort HTTP port; 0 = ephemeral
 * @param extensionsDir where extension jars are loaded from
 * @param webroot the static files root
 * @param workDir scratch space (shadow copies of jars)
 * @param readAheadBytes the preloaded body size (ISAPI's UploadReadAheadSize)
 * @param sessionTimeout how long a PENDING session may wait for doneWithSession
 * @param readTimeout how long a synchronous readClient waits for a byte
 * @param limits threads, bulkheads, data rates, the head timeout and the body limit ({@link LimitsConfig})
 * @param accessLog the NCSA access log file, or {@code null} for none
 * @param watch watch the extensions directory and deploy, redeploy and undeploy jars while running
 * @param scanInterval how often the extensions directory is looked at; a jar is loaded once its size and
 *        modification time are unchanged across two looks, so within about two intervals of being complete
 * @param drainTimeout how long a replaced or removed extension version may keep running: open sessions on it
 *        are then aborted and a refused ADVISORY unload becomes a MUST unload
 * @param tls the HTTPS connector, or {@code null} (or disabled) for none
 * @param strict strict mode ({@code --strict}); never {@code null} (off by default)
 * @param idleTimeout how long a connection may be idle (between requests, or with a read or write making no
 *        progress); a PENDING session waiting for its extension is governed by the session timeout instead
 * @param health what extensions' own health reports do to the node
 * @param outbound outbound connections (allow-lists, connect timeout) and operator settings for extensions
 * @param admission the built-in connection-admission policies ({@code null}: {@link AdmissionConfig#none()})
 * @param proxy the PROXY protocol on the listeners ({@link ProxyConfig#none()}: off)
 * @param ops metrics, readiness, drain on SIGTERM, admin listener, access-log rotation
 */
public record ServerConfig(
        String host,
        int httpPort,
        Path extensionsDir,
        Path webroot,
        Path workDir,
        int readAheadBytes,
        Duration sessionTimeout,
        Duration readTimeout,
        LimitsConfig limits,
        Path accessLog,
        boolean watch,
        Duration scanInterval,
        Duration drainTimeout,
        TlsConfig tls,
        Duration idleTimeout,
        HealthConfig health,
        OutboundConfig outbound,
        AdmissionConfig admission,
        StrictConfig strict,
        ProxyConfig proxy,
        OpsConfig ops) {

    /** ISAPI's default UploadReadAheadSize: 48 KB. */
    public static final int DEFAULT_READ_AHEAD = 48 * 1024;
    /** The default scan interval of the extensions directory: a new jar serves within about a second. */
    public static final Duration DEFAULT_SCAN_INTERVAL = Duration.ofMillis(500);
    /** The default drain timeout, as IIS's ShutdownTimeLimit: 90 s. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(90);

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(extensionsDir, "extensionsDir");
        Objects.requireNonNull(webroot, "webroot");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(limits, "limits");
        if (readAheadBytes < 0) {
            throw new IllegalArgumentException("read-ahead must be >= 0, was " + readAheadBytes);
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("port out of range: " + httpPort);
        }
        if (tls != null && tls.enabled() && tls.port() != 0 && tls.port() == httpPort) {
            throw new IllegalArgumentException("the HTTP and HTTPS ports are both " + httpPort);
        }
        if (sessionTimeout.isNegative() || sessionTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        Objects.requireNonNull(scanInterval, "scanInterval");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (scanInterval.toMillis() < 10 || scanInterval.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("scan interval must be between 10 ms and 10 minutes, was "
                    + scanInterval.toMillis() + " ms");
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(outbound, "outbound");
        Objects.requireNonNull(strict, "strict");
        Objects.requireNonNull(proxy, "proxy");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive");
        }
        Objects.requireNonNull(health, "health");
        if (admission == null) {
            admission = AdmissionConfig.none();
        }
        Objects.requireNonNull(ops, "ops");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout must be >= 0, was " + drainTimeout.toMillis() + " ms");
        }
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.httpPort = httpPort;
        b.extensionsDir = extensionsDir;
        b.webroot = webroot;
        b.workDir = workDir;
        b.readAheadBytes = readAheadBytes;
        b.sessionTimeout = sessionTimeout;
        b.readTimeout = readTimeout;
        b.limits = limits;
        b.accessLog = accessLog;
        b.watch = watch;
        b.scanInterval = scanInterval;
        b.drainTimeout = drainTimeout;
        b.tls = tls;
        b.idleTimeout = idleTimeout;
        b.health = health;
        b.outbound = outbound;
        b.admission = admission;
        b.strict = strict;
        b.proxy = proxy;
        b.ops = ops;
        return b;
    }

    /** Builds a {@link ServerConfig}; starts from the defaults. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int httpPort = 8080;
        private Path extensionsDir = Path.of("extensions");
        private Path webroot = Path.of("webroot");
        private Path workDir = Path.of("work");
        private int readAheadBytes = DEFAULT_READ_AHEAD;
        private Duration sessionTimeout = Duration.ofMinutes(5);
        private Duration readTimeout = Duration.ofSeconds(60);
        private LimitsConfig limits = LimitsConfig.defaults();
        private Path accessLog = Path.of("logs", "access.log");
        private boolean watch = true;
        private Duration scanInterval = DEFAULT_SCAN_INTERVAL;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private TlsConfig tls = TlsConfig.defaults();
        private Duration idleTimeout = Duration.ofSeconds(30);
        private HealthConfig health = HealthConfig.defaults();
        private OutboundConfig outbound = OutboundConfig.defaults();
        private AdmissionConfig admission = AdmissionConfig.defaults();
        private StrictConfig strict = StrictConfig.off();
        private ProxyConfig proxy = ProxyConfig.none();
        private OpsConfig ops = OpsConfig.defaults();

        private Builder() {
        }

        /** @param v listen address @return this */
        public Builder host(String v) { host = v; return this; }
        /** @param v HTTP port, 0 = ephemeral @return this */
        public Builder httpPort(int v) { httpPort = v; return this; }
        /** @param v extensions directory @return this */
        public Builder extensionsDir(Path v) { extensionsDir = v; return this; }
        /** @param v webroot @return this */
        public Builder webroot(Path v) { webroot = v; return this; }
        /** @param v work directory @return this */
        public Builder workDir(Path v) { workDir = v; return this; }
        /** @param v read-ahead bytes @return this */
        public Builder readAheadBytes(int v) { readAheadBytes = v; return this; }
        /** @param v session timeout @return this */
        public Builder sessionTimeout(Duration v) { sessionTimeout = v; return this; }
        /** @param v read timeout @return this */
        public Builder readTimeout(Duration v) { readTimeout = v; return this; }
        /** @param v force virtual threads (true) or platform threads (false) @return this */
        public Builder virtualThreads(boolean v) {
            limits = limits.withThreadMode(v ? LimitsConfig.ThreadMode.VIRTUAL : LimitsConfig.ThreadMode.PLATFORM);
            return this;
        }
        /** @param v the limits @return this */
        public Builder limits(LimitsConfig v) { limits = v; return this; }
        /** @param f changes to the limits @return this */
        public Builder limits(java.util.function.UnaryOperator<LimitsConfig> f) { limits = f.apply(limits); return this; }
        /** @param v access log file, or null @return this */
        public Builder accessLog(Path v) { accessLog = v; return this; }
        /** @param v watch the extensions directory (hot deployment) @return this */
        public Builder watch(boolean v) { watch = v; return this; }
        /** @param v how often the extensions directory is looked at @return this */
        public Builder scanInterval(Duration v) { scanInterval = v; return this; }
        /** @param v how long a retired extension version may keep running @return this */
        public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
        /** @param v the HTTPS configuration, or null for none @return this */
        public Builder tls(TlsConfig v) { tls = v; return this; }
        /** @param v the connection idle timeout @return this */
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        /** @param v the built-in connection-admission policies @return this */
        public Builder admission(AdmissionConfig v) { admission = v; return this; }
        /** @param v strict mode @return this */
        public Builder strict(StrictConfig v) { strict = v; return this; }
        /** @param v the PROXY protocol configuration @return this */
        public Builder proxy(ProxyConfig v) { proxy = v; return this; }

        /** @param v what extensions' health reports do @return this */
        public Builder health(HealthConfig v) { health = v; return this; }
        /** @param v outbound connections and extension settings @return this */
        public Builder outbound(OutboundConfig v) { outbound = v; return this; }
        /** @param v the operations settings @return this */
        public Builder ops(OpsConfig v) { ops = v; return this; }

        /** @return the configuration */
        public ServerConfig build() {
            return new ServerConfig(host, httpPort, extensionsDir, webroot, workDir, readAheadBytes, sessionTimeout,
                    readTimeout, limits, accessLog, watch, scanInterval, drainTimeout, tls, idleTimeout, health,
                    outbound, admission, strict, proxy, ops);
        }
    }
}
