package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.entries;
import static dev.hse4j.server.deploy.DeployTesting.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-extension settings in the jar: mount name, read-ahead and session timeout from
 * {@code @ExtensionSettings}, version and description from getExtensionVersion, the build's version from
 * the manifest's Implementation-Version; and the defaults when nothing is set.
 */
class DeploySettingsTest {

    @TempDir
    static Path tmp;
    static TestServer ts;
    static Path tuned;

    @BeforeAll
    static void start() throws Exception {
        tuned = DeployFixtures.probe(tmp.resolve("a/whatever.jar"), b -> b.label("tuned")
                .settings("name = \"custom-mount\", readAheadBytes = 16, sessionTimeoutMillis = 1000")
                .version("ExtensionVersion.of(3 << 16 | 1, \"Tuned probe\")")
                .implementationVersion("2.4.1"));
        Path plain = DeployFixtures.probe(tmp.resolve("b/plain.jar"), "plain");
        ts = TestServer.builder(tmp.resolve("server")).jar(tuned).jar(plain).start();
    }

    @AfterAll
    static void stop() throws Exception {
        ts.close();
    }

    @Test
    void settingsFromTheJarAreUsedAndShown() throws Exception {
        assertEquals("tuned", get(ts, "/ext/custom-mount"));
        assertEquals("STATUS 404", get(ts, "/ext/whatever"), "the mount name replaces the file name");
        JsonNode e = entries(ts, "custom-mount").get(0);
        assertEquals("whatever.jar", e.get("jar").asText());
        assertEquals("3.1", e.get("version").asText());
        assertEquals("Tuned probe", e.get("description").asText());
        assertEquals("2.4.1", e.get("implementationVersion").asText());
        assertEquals(16, e.get("readAheadBytes").asInt());
        assertEquals(1000, e.get("sessionTimeoutMs").asInt());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tuned)));
        assertEquals(sha, e.get("sha256").asText());
    }

    @Test
    void readAheadSettingLimitsThePreloadedBody() throws Exception {
        HttpResponse<String> r = DeployTesting.CLIENT.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ts.port() + "/ext/custom-mount?available"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("available=16 total=100", r.body().trim());
        r = DeployTesting.CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ts.port() + "/ext/plain?available"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("available=100 total=100", r.body().trim());
    }

    @Test
    void sessionTimeoutSettingEndsAForgottenPendingRequest() throws Exception {
        DeployFixtures.Hold never = DeployFixtures.hold();
        long start = System.nanoTime();
        HttpResponse<String> r = DeployTesting.CLIENT.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ts.port() + "/ext/custom-mount?hold=" + never.key()))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        never.release();
        assertEquals(500, r.statusCode());
        assertTrue(ms >= 900 && ms < 10_000, "ended after " + ms + " ms; the extension's timeout is 1000 ms");
        await().atMost(Duration.ofSeconds(5)).until(() -> entries(ts, "custom-mount").get(0).get("timeouts").asInt() == 1);
    }

    @Test
    void withoutSettingsTheDefaultsApply() {
        assertEquals("plain", get(ts, "/ext/plain"));
        JsonNode e = entries(ts, "plain").get(0);
        assertEquals("8.0", e.get("version").asText(), "HSE_VERSION");
        assertEquals("Deploy probe plain", e.get("description").asText());
        assertTrue(e.get("implementationVersion").isNull());
        assertEquals(ServerConfig.DEFAULT_READ_AHEAD, e.get("readAheadBytes").asInt());
        assertEquals(ts.server().config().sessionTimeout().toMillis(), e.get("sessionTimeoutMs").asLong());
    }
}
