package dev.hse4j.server.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.SlowStartExtension;
import dev.hse4j.server.Hse4jServer;
import dev.hse4j.server.config.OpsConfig;
import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: /hse/ready (503 while starting, 200 once the extensions are loaded; /hse/health stays liveness);
 * the admin listener (status.json and metrics only there); the access log rotated by day with a retention.
 */
class ReadyAdminAccessLogTest {

    @TempDir
    Path tmp;

    final HttpClient client = HttpClient.newHttpClient();

    HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyIs503WhileStartingAnd200OnceLoadedWhileHealthStaysUp() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        System.getProperties().put(SlowStartExtension.GATE, gate);
        Path ext = Files.createDirectories(tmp.resolve("extensions"));
        FixtureJars.jarOf(ext.resolve("slow.jar"), SlowStartExtension.class);
        ServerConfig c = ServerConfig.builder().host("127.0.0.1").httpPort(0).tls(null).extensionsDir(ext)
                .webroot(Path.of(System.getProperty("hse4j.webroot"))).workDir(tmp.resolve("work")).accessLog(null)
                .build();
        try (Hse4jServer server = new Hse4jServer(c)) {
            CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                try {
                    server.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> server.httpPort() > 0);
            HttpResponse<String> ready = get(server.httpPort(), "/hse/ready");
            assertEquals(503, ready.statusCode());
            assertEquals("starting\n", ready.body());
            assertEquals("1", ready.headers().firstValue("Retry-After").orElse(null));
            assertEquals(200, get(server.httpPort(), "/hse/health").statusCode());
            gate.complete(null);
            started.get(20, java.util.concurrent.TimeUnit.SECONDS);
            ready = get(server.httpPort(), "/hse/ready");
            assertEquals(200, ready.statusCode());
            assertEquals("ready\n", ready.body());
        } finally {
            gate.complete(null);
            System.getProperties().remove(SlowStartExtension.GATE);
        }
    }

    @Test
    void withAnAdminListenerStatusAndMetricsAnswerOnlyThere() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("hello")
                .config(b -> b.ops(OpsConfig.defaults().withAdminPort(0))).start()) {
            int pub = s.port();
            int admin = s.server().ops().adminPort();
            assertTrue(admin > 0 && admin != pub);
            for (String p : new String[] {"/hse/status.json", "/hse/metrics", "/hse/history.json"}) {
                assertEquals(404, get(pub, p).statusCode(), p + " on the public port");
                assertEquals(200, get(admin, p).statusCode(), p + " on the admin port");
            }
            assertFalse(get(pub, "/hse/metrics").body().contains("jvm_"), "nothing of the metrics leaks");
            assertEquals(200, get(pub, "/ext/hello").statusCode());
            assertEquals(404, get(admin, "/ext/hello").statusCode(), "extensions are not served on the admin port");
            assertEquals(200, get(pub, "/hse/ready").statusCode());
            assertEquals(200, get(pub, "/hse/health").statusCode());
            assertEquals(200, get(admin, "/status.html").statusCode());
        }
        // Without one, they are on the public port (the default).
        try (TestServer s = TestServer.builder(tmp.resolve("b")).start()) {
            assertEquals(-1, s.server().ops().adminPort());
            assertEquals(200, get(s.port(), "/hse/metrics").statusCode());
        }
    }

    @Test
    void theAccessLogIsAFilePerDayAndOldOnesAreDeleted() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        Path old = Files.writeString(logs.resolve("access.2020_01_01.log"), "old\n");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(10))));
        Path recent = Files.writeString(logs.resolve("access.2020_01_02.log"), "recent\n");
        Files.setLastModifiedTime(recent, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path other = Files.writeString(logs.resolve("error.log"), "not an access log\n");
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minus(Duration.ofDays(30))));
        try (TestServer s = TestServer.builder(tmp).samples("hello")
                .config(b -> b.accessLog(logs.resolve("access.log"))
                        .ops(OpsConfig.defaults().withAccessLogRetainDays(7))).start()) {
            s.given().get("/ext/hello?logged-today").then().statusCode(200);
            Path today = logs.resolve("access." + LocalDate.now().format(DateTimeFormatter.ofPattern("yyyy_MM_dd"))
                    + ".log");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(today)
                    && Files.readString(today).contains("GET /ext/hello?logged-today"));
            assertFalse(Files.exists(old), "older than 7 days: deleted");
            assertTrue(Files.exists(recent), "within 7 days: kept");
            assertTrue(Files.exists(other), "not an access log: untouched");
            assertFalse(Files.exists(logs.resolve("access.log")), "the dated name replaces the plain one");
        }
    }
}
