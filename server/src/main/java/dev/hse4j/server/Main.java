package dev.hse4j.server;

import dev.hse4j.server.config.InstallLayout;
import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.ops.OpsOptions;
import dev.hse4j.server.ops.Readiness;
import dev.hse4j.server.ops.Signals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code java -jar hse4j-server.jar [options]}: the command line. */
@Command(name = "hse4j", mixinStandardHelpOptions = true, version = Hse4jServer.SOFTWARE,
        description = "HTTP Server Extensions for Java: an ISAPI-style extension server on Jetty 12.",
        sortOptions = false)
public final class Main implements Callable<Integer> {

    private static final ServerConfig D = ServerConfig.builder().build();

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = D.host();

    @Option(names = {"-p", "--port"}, description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = D.httpPort();

    @Option(names = "--extensions", description = "Directory of extension jars (default: ./extensions, or, when "
            + "the working directory has none, the one in the installation directory: $HSE4J_HOME, or the jar's "
            + "directory or one of its two parents).")
    Path extensions;

    @Option(names = "--webroot", description = "Static files root (default: ./webroot, or the installation "
            + "directory's, like --extensions).")
    Path webroot;

    @Option(names = "--work-dir", description = "Scratch directory for shadow copies (default: ${DEFAULT-VALUE}).")
    Path workDir = D.workDir();

    @Option(names = "--read-ahead", description = "Body bytes preloaded before an extension runs, ISAPI's "
            + "UploadReadAheadSize (default: ${DEFAULT-VALUE}).")
    int readAhead = D.readAheadBytes();

    @Option(names = "--session-timeout", description = "Seconds a PENDING request may wait for doneWithSession "
            + "(default: ${DEFAULT-VALUE}).")
    long sessionTimeoutSeconds = D.sessionTimeout().toSeconds();

    @Option(names = "--read-timeout", description = "Seconds a synchronous readClient, and the read-ahead, wait for body bytes; the read-ahead then answers 408 (default: ${DEFAULT-VALUE}).")
    long readTimeoutSeconds = D.readTimeout().toSeconds();

    @CommandLine.Mixin
    dev.hse4j.server.limits.LimitsOptions limits = new dev.hse4j.server.limits.LimitsOptions();

    @Option(names = "--access-log", description = "NCSA access log file; 'none' disables it (default: ${DEFAULT-VALUE}).")
    String accessLog = D.accessLog().toString();

    @Option(names = "--no-watch", description = "Load the extensions directory once at start; do not watch it for "
            + "new, replaced or removed jars.")
    boolean noWatch;

    @Option(names = "--scan-interval-ms", description = "How often the extensions directory is looked at, in ms; a jar "
            + "is loaded once its size and time are unchanged across two looks (default: ${DEFAULT-VALUE}).")
    long scanIntervalMs = D.scanInterval().toMillis();

    @Option(names = "--idle-timeout", description = "Seconds a connection may be idle, or a read or write make no "
            + "progress (default: ${DEFAULT-VALUE}); PENDING sessions are governed by --session-timeout.")
    long idleTimeoutSeconds = D.idleTimeout().toSeconds();

    @CommandLine.Mixin
    dev.hse4j.server.strict.StrictOptions strictOptions = new dev.hse4j.server.strict.StrictOptions();

    @Option(names = "--drain-timeout", description = "Seconds a replaced or removed extension may keep serving the "
            + "requests it has; then they are aborted and it is unloaded (TerminateExtension MUST) "
            + "(default: ${DEFAULT-VALUE}).")
    long drainTimeoutSeconds = D.drainTimeout().toSeconds();
    @Mixin
    HealthOptions healthOptions = new HealthOptions();
    @Mixin
    dev.hse4j.server.proxy.ProxyOptions proxyOptions = new dev.hse4j.server.proxy.ProxyOptions();
    @CommandLine.Mixin
    OpsOptions ops = new OpsOptions();

    @Mixin
    dev.hse4j.server.admission.AdmissionOptions admission = new dev.hse4j.server.admission.AdmissionOptions();

    private static final TlsConfig T = TlsConfig.defaults();

    @Option(names = "--https-port", description = "HTTPS port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpsPort = T.port();

    @Option(names = "--no-https", description = "Do not open an HTTPS port.")
    boolean noHttps;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Server certificate (then its chain) in PEM; "
            + "with --tls-key. Default: a development certificate made once in --tls-dir.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key in PEM (PKCS#8, "
            + "PKCS#1 or SEC1; if encrypted, give --tls-password).")
    Path tlsKey;

    @Option(names = "--tls-keystore", paramLabel = "P12", description = "PKCS#12 keystore with the key and chain "
            + "(instead of PEM files).")
    Path tlsKeystore;

    @Option(names = "--tls-password", paramLabel = "SPEC", description = "Keystore or key password: env:VAR, "
            + "file:PATH, pass:TEXT or the text itself.")
    String tlsPassword;

    @Option(names = "--tls-dir", description = "Where the development certificate is kept (default: <work-dir>/tls).")
    Path tlsDir;

    @Option(names = "--tls-provider", paramLabel = "auto|conscrypt|jdk", description = "TLS implementation: "
            + "Conscrypt, falling back to the JDK's with a warning (auto), or either one forced "
            + "(default: ${DEFAULT-VALUE}).")
    String tlsProvider = "auto";

    @Option(names = "--client-auth", paramLabel = "none|want|need", description = "Ask for client certificates: "
            + "want accepts any (CERT_FLAGS tells whether trusted), need requires one that chains to --client-ca "
            + "(default: ${DEFAULT-VALUE}).")
    String clientAuth = "none";

    @Option(names = "--client-ca", paramLabel = "PEM", description = "CA certificates that client certificates "
            + "are trusted under.")
    Path clientCa;

    @Option(names = "--hsts", paramLabel = "SECONDS", description = "Send Strict-Transport-Security with this "
            + "max-age on HTTPS responses (default: not sent; never use it with the development certificate).")
    long hsts = -1;

    @picocli.CommandLine.Mixin
    dev.hse4j.server.outbound.OutboundOptions outbound = new dev.hse4j.server.outbound.OutboundOptions();

    private TlsConfig tlsConfig() {
        return TlsConfig.builder()
                .enabled(!noHttps)
                .port(httpsPort)
                .dir(tlsDir)
                .pem(tlsCert, tlsKey)
                .keystore(tlsKeystore)
                .password(tlsPassword)
                .provider(choice(TlsConfig.Provider.class, tlsProvider, "--tls-provider"))
                .clientAuth(choice(TlsConfig.ClientAuth.class, clientAuth, "--client-auth"))
                .clientCa(clientCa)
                .hstsMaxAge(hsts)
                .build();
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, String flag) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException(flag + " must be one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(java.util.Locale.ROOT))
                .collect(java.util.stream.Collectors.joining(", ")) + ", not '" + value + "'");
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config;
        try {
            config = ServerConfig.builder()
                    .host(host).httpPort(port)
                    .extensionsDir(extensions != null ? extensions : InstallLayout.current().defaultDir("extensions"))
                    .webroot(webroot != null ? webroot : InstallLayout.current().defaultDir("webroot"))
                    .workDir(workDir)
                    .readAheadBytes(readAhead)
                    .sessionTimeout(Duration.ofSeconds(sessionTimeoutSeconds))
                    .readTimeout(Duration.ofSeconds(readTimeoutSeconds))
                    .limits(limits.toConfig())
                    .accessLog("none".equals(accessLog) ? null : Path.of(accessLog))
                    .watch(!noWatch)
                    .scanInterval(Duration.ofMillis(scanIntervalMs))
                    .drainTimeout(Duration.ofSeconds(drainTimeoutSeconds))
                    .idleTimeout(Duration.ofSeconds(idleTimeoutSeconds))
                    .tls(tlsConfig())
                    .health(healthOptions.config())
                    .outbound(outbound.toConfig())
                    .admission(admission.config())
                    .strict(strictOptions.config())
                    .proxy(proxyOptions.toConfig())
                    .ops(ops.toConfig())
                    .build();
        } catch (IllegalArgumentException e) {
            System.err.println("hse4j: " + e.getMessage());
            return 2;
        }
        Hse4jServer server;
        try {
            server = new Hse4jServer(config);
        } catch (IllegalArgumentException e) { // a TLS setup that cannot work: certificate, password, provider
            System.err.println("hse4j: " + e.getMessage());
            return 2;
        }
        // SIGTERM/SIGINT drain first (see --grace-period, --shutdown-timeout); the hook covers other exits.
        Signals.onTermination(server::drainAndStop);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("hse4j: error while stopping: " + e);
            }
        }, "hse4j-shutdown"));
        try {
            server.start();
        } catch (java.io.IOException e) {
            System.err.println("hse4j: cannot start: " + e.getMessage());
            return 1;
        }
        server.join();
        if (server.ops().readiness().state() == Readiness.State.DRAINING) {
            server.ops().shutdown().awaitDone(Duration.ofMinutes(10)); // the extensions' unload, after the ports
        }
        return 0;
    }

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        System.exit(code); // also after a drain: a thread an extension left running must not keep the JVM up
    }
}
