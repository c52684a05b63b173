package dev.hse4j.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.AsyncProbeExtension;
import dev.hse4j.server.testing.FixtureJars;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server as a user runs it ({@code java -jar server/target/hse4j-server.jar}), on this JDK
 * and, with {@code --virtual-threads}, on a JDK 21+ (the Temurin 25 this machine kind provides), where
 * extension calls must run on virtual threads.
 */
class ShadedJarIT {

    static final Path JAR = Path.of("target/hse4j-server.jar");
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    static final Pattern LISTENING = Pattern.compile("hse4j listening on (http://\\S+/)");
    static final Pattern HTTPS = Pattern.compile("HTTPS on port (\\d+): (\\S+)");

    @TempDir
    Path tmp;

    /** A running server process and its base URI. */
    record Running(Process process, URI base, CompletableFuture<Matcher> https) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    Running start(String java, String... flags) throws Exception {
        Path ext = Files.createDirectories(tmp.resolve("ext-" + System.nanoTime()));
        Files.copy(FixtureJars.sample("hello"), ext.resolve("hello.jar"), StandardCopyOption.REPLACE_EXISTING);
        FixtureJars.jarOf(ext.resolve("probe.jar"), AsyncProbeExtension.class);
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", JAR.toAbsolutePath().toString(), "--port", "0",
                "--host", "127.0.0.1", "--extensions", ext.toString(), "--work-dir", tmp.resolve("work").toString(),
                "--access-log", "none", "--webroot", System.getProperty("hse4j.webroot"), "--https-port", "0"));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<URI> base = new CompletableFuture<>();
        CompletableFuture<Matcher> https = new CompletableFuture<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.out.println("[server] " + line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        base.complete(URI.create(m.group(1)));
                    }
                    if (line.contains("hse4j ready: ")) {
                        ready.complete(null);
                    }
                    Matcher h = HTTPS.matcher(line);
                    if (h.find()) {
                        https.complete(h);
                    }
                }
            } catch (Exception e) {
                base.completeExceptionally(e);
            }
            base.completeExceptionally(new IllegalStateException("server exited before listening"));
            ready.completeExceptionally(new IllegalStateException("server exited before it was ready"));
        });
        pump.setDaemon(true);
        pump.start();
        ready.get(60, TimeUnit.SECONDS); // the start-up deploys are done (until then extensions answer 503)
        return new Running(p, base.get(60, TimeUnit.SECONDS), https);
    }

    static String get(URI base, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path);
        return r.body();
    }

    @Test
    void theShadedJarServesOnThisJdk() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run through Maven's integration-test phase (after package)");
        try (Running s = start(Path.of(System.getProperty("java.home"), "bin", "java").toString())) {
            assertTrue(get(s.base(), "ext/hello").contains("Hello"));
            assertEquals("virtual=false", get(s.base(), "ext/probe?op=thread"));
            // HTTPS from the shaded jar: Conscrypt's native library, ALPN services and BouncyCastle all packed
            Matcher https = s.https().get(30, TimeUnit.SECONDS);
            assertEquals("Conscrypt", https.group(2));
            java.security.cert.X509Certificate cert;
            try (var in = Files.newInputStream(tmp.resolve("work/tls/dev-cert.pem"))) {
                cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificate(in);
            }
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("dev", cert);
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            HttpResponse<String> r = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_2).build()
                    .send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https.group(1) + "/ext/hello"))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertTrue(r.body().contains("Hello"));
        }
    }

    @Test
    void virtualThreadsOnAJdkThatHasThem() throws Exception {
        assertTrue(Files.isExecutable(JDK25), "this machine kind ships Temurin 25 at " + JDK25);
        try (Running s = start(JDK25.toString(), "--virtual-threads")) {
            assertTrue(get(s.base(), "ext/hello").contains("Hello"));
            assertEquals("virtual=true", get(s.base(), "ext/probe?op=thread"));
        }
    }
}
