package dev.hse4j.server.testing;

import dev.hse4j.server.Hse4jServer;
import dev.hse4j.server.config.ServerConfig;

import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.specification.RequestSpecification;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A real hse4j server for a test: ephemeral port, its own extensions, work and log directories under a
 * temporary directory, the repository's webroot unless told otherwise.
 */
public final class TestServer implements AutoCloseable {

    private final Path root;
    private final Path extensions;
    private final Path accessLog;
    private final Hse4jServer server;

    private TestServer(Path root, UnaryOperator<ServerConfig.Builder> tweak) throws IOException {
        this.root = root;
        this.extensions = Files.createDirectories(root.resolve("extensions"));
        this.accessLog = root.resolve("logs/access.log");
        ServerConfig.Builder b = ServerConfig.builder()
                .host("127.0.0.1")
                .httpPort(0)
                .extensionsDir(extensions)
                .webroot(Path.of(System.getProperty("hse4j.webroot", "../webroot")))
                .workDir(root.resolve("work"))
                .accessLog(accessLog)
                .sessionTimeout(Duration.ofSeconds(30))
                .tls(null); // no HTTPS unless a test asks for it (see dev.hse4j.server.tls.TlsTesting)
        this.server = new Hse4jServer(tweak.apply(b).build());
    }

    /** Starts a server with the given sample jars (by name) already in its extensions directory. */
    public static TestServer withSamples(Path tempDir, String... samples) throws Exception {
        return builder(tempDir).samples(samples).start();
    }

    /** @param tempDir the test's temporary directory @return a builder */
    public static Builder builder(Path tempDir) {
        return new Builder(tempDir);
    }

    /** Prepares the extensions directory before start. */
    public static final class Builder {
        private final Path root;
        private final java.util.List<Path> jars = new java.util.ArrayList<>();
        private final java.util.List<String> samples = new java.util.ArrayList<>();
        private UnaryOperator<ServerConfig.Builder> tweak = UnaryOperator.identity();

        private Builder(Path root) {
            this.root = root;
        }

        /** @param names sample jars to deploy @return this */
        public Builder samples(String... names) {
            samples.addAll(java.util.List.of(names));
            return this;
        }

        /** @param jar a jar to copy into the extensions directory @return this */
        public Builder jar(Path jar) {
            jars.add(jar);
            return this;
        }

        /** @param t changes to the configuration @return this */
        public Builder config(UnaryOperator<ServerConfig.Builder> t) {
            tweak = t;
            return this;
        }

        /** @return the started server */
        public TestServer start() throws Exception {
            TestServer s = new TestServer(root, tweak);
            for (String n : samples) {
                Files.copy(FixtureJars.sample(n), s.extensions.resolve(n + ".jar"), StandardCopyOption.REPLACE_EXISTING);
            }
            for (Path j : jars) {
                Files.copy(j, s.extensions.resolve(j.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            s.server.start();
            return s;
        }
    }

    /** @return a RestAssured request aimed at this server */
    public RequestSpecification given() {
        return RestAssured.given().baseUri("http://127.0.0.1").port(port())
                .config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
                        .appendDefaultContentCharsetToContentTypeIfUndefined(false)));
    }

    /** @return the HTTP port */
    public int port() {
        return server.httpPort();
    }

    /** @return the server */
    public Hse4jServer server() {
        return server;
    }

    /**
     * @return a JDK TLS context that trusts this server's certificate and nothing else (for HTTPS and HTTP/2
     *     clients against a server started with HTTPS)
     * @throws Exception if the server has no HTTPS or the context cannot be made
     */
    public javax.net.ssl.SSLContext trustingTls() throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("server", server.tls().keys().certificate());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** @return the extensions directory */
    public Path extensionsDir() {
        return extensions;
    }

    /** @return the access log file */
    public Path accessLog() {
        return accessLog;
    }

    /** @return the test's root directory */
    public Path root() {
        return root;
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
