package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.drop;
import static dev.hse4j.server.deploy.DeployTesting.entries;
import static dev.hse4j.server.deploy.DeployTesting.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens to the old version after a replace or a remove: its in-flight requests, PENDING ones
 * included, finish on it; it is terminated (ADVISORY) only when the last one ends; a refused ADVISORY
 * becomes MUST at the drain timeout; a session still open at the drain timeout is aborted.
 */
@SuppressWarnings("try")
class DeployDrainTest {

    @TempDir
    Path tmp;
    Path v1;
    Path v2;

    @BeforeEach
    void jars() {
        DeployFixtures.events().clear();
        v1 = DeployFixtures.probe(tmp.resolve("v1/probe.jar"), "v1");
        v2 = DeployFixtures.probe(tmp.resolve("v2/probe.jar"), "v2");
    }

    private static CompletableFuture<HttpResponse<String>> getAsync(TestServer ts, String path) {
        return DeployTesting.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ts.port() + path))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode entry(TestServer ts, String name, String state) {
        for (JsonNode e : entries(ts, name)) {
            if (state.equals(e.get("state").asText())) {
                return e;
            }
        }
        return null;
    }

    @Test
    void pendingRequestStartedOnVersion1CompletesOnVersion1AfterVersion2TookOver() throws Exception {
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(v1).start()) {
            DeployFixtures.Hold hold = DeployFixtures.hold();
            CompletableFuture<HttpResponse<String>> pending = getAsync(ts, "/ext/probe?hold=" + hold.key());
            await().atMost(Duration.ofSeconds(5)).until(() -> entry(ts, "probe", "ACTIVE").get("pending").asInt() == 1);

            drop(ts, v2, "probe.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("v2"));

            // v1 is still there, draining, with its one pending session; it was not asked to unload.
            JsonNode old = entry(ts, "probe", "DRAINING");
            assertTrue(old != null, "v1 listed as DRAINING");
            assertEquals("Deploy probe v1", old.get("description").asText());
            assertEquals(1, old.get("pending").asInt());
            assertEquals(1, old.get("inFlight").asInt());
            assertTrue(old.hasNonNull("retiredAt"));
            assertFalse(DeployFixtures.events().contains("v1 ADVISORY"));
            assertFalse(pending.isDone());

            hold.release();
            HttpResponse<String> r = pending.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("v1 pending done", r.body().trim(), "the pending request finished on the version it started on");

            await().atMost(Duration.ofSeconds(5)).until(() -> entries(ts, "probe").size() == 1);
            assertEquals(List.of("v1 load", "v2 load", "v1 ADVISORY"), List.copyOf(DeployFixtures.events()));
            assertEquals("v2", get(ts, "/ext/probe"));
        }
    }

    @Test
    void removedJarFinishesItsPendingRequestThenAnswers404() throws Exception {
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(v1).start()) {
            DeployFixtures.Hold hold = DeployFixtures.hold();
            CompletableFuture<HttpResponse<String>> pending = getAsync(ts, "/ext/probe?hold=" + hold.key());
            await().atMost(Duration.ofSeconds(5)).until(() -> entry(ts, "probe", "ACTIVE").get("pending").asInt() == 1);

            Files.delete(ts.extensionsDir().resolve("probe.jar"));
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("STATUS 404"));
            assertTrue(entry(ts, "probe", "DRAINING") != null);

            hold.release();
            assertEquals("v1 pending done", pending.get(10, TimeUnit.SECONDS).body().trim());
            await().atMost(Duration.ofSeconds(5)).until(() -> entries(ts, "probe").isEmpty());
            assertTrue(DeployFixtures.events().contains("v1 ADVISORY"));
            assertEquals("STATUS 404", get(ts, "/ext/probe"));
        }
    }

    @Test
    void refusedAdvisoryUnloadBecomesMustAtTheDrainTimeout() throws Exception {
        Path stubborn = DeployFixtures.probe(tmp.resolve("s/probe.jar"), b -> b.label("v1").refuseAdvisory(true));
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(stubborn)
                .config(c -> c.drainTimeout(Duration.ofMillis(1500))).start()) {
            long replaced = System.nanoTime();
            drop(ts, v2, "probe.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("v2"));
            await().atMost(Duration.ofSeconds(2)).until(() -> DeployFixtures.events().contains("v1 ADVISORY"));
            if (!DeployFixtures.events().contains("v1 MUST")) {
                JsonNode u = entry(ts, "probe", "UNLOADING");
                assertTrue(u != null, "refused: listed as UNLOADING until the drain timeout");
                assertTrue(u.get("unload").asText().contains("refused"), u.toString());
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> DeployFixtures.events().contains("v1 MUST"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - replaced);
            assertTrue(ms >= 1500, "MUST came " + ms + " ms after the replacement, before the drain timeout");
            assertEquals(List.of("v1 load", "v2 load", "v1 ADVISORY", "v1 MUST"), List.copyOf(DeployFixtures.events()));
            await().atMost(Duration.ofSeconds(2)).until(() -> entries(ts, "probe").size() == 1);
        }
    }

    @Test
    void aTerminateExtensionThatNeverReturnsDoesNotStallLaterUnloads() throws Exception {
        Path hangs = DeployFixtures.probe(tmp.resolve("h/probe.jar"), b -> b.label("v1")
                .onTerminate("try { new java.util.concurrent.CountDownLatch(1).await(); } catch (InterruptedException e) { }"));
        Path v3 = DeployFixtures.probe(tmp.resolve("v3/probe.jar"), "v3");
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(hangs).start()) {
            ts.server().registry().retirement().terminateTimeout(Duration.ofMillis(500));
            drop(ts, v2, "probe.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("v2"));
            await().atMost(Duration.ofSeconds(5)).until(() -> entries(ts, "probe").size() == 1);
            drop(ts, v3, "probe.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("v3"));
            await().atMost(Duration.ofSeconds(5)).until(() -> DeployFixtures.events().contains("v2 ADVISORY")
                    && entries(ts, "probe").size() == 1);
            assertEquals(List.of("v1 load", "v2 load", "v1 ADVISORY", "v1 MUST", "v3 load", "v2 ADVISORY"),
                    List.copyOf(DeployFixtures.events()));
        } finally {
            Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("hse4j-terminate-probe"))
                    .forEach(Thread::interrupt);
        }
    }

    @Test
    void sessionStillOpenAtTheDrainTimeoutIsAbortedAndTheOldVersionToldMust() throws Exception {
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(v1)
                .config(c -> c.drainTimeout(Duration.ofSeconds(1))).start()) {
            DeployFixtures.Hold never = DeployFixtures.hold();
            CompletableFuture<HttpResponse<String>> stuck = getAsync(ts, "/ext/probe?hold=" + never.key());
            await().atMost(Duration.ofSeconds(5)).until(() -> entry(ts, "probe", "ACTIVE").get("pending").asInt() == 1);

            drop(ts, v2, "probe.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("v2"));
            // Nothing was sent yet, so the client gets a 500 (had the response started, the connection would close),
            // saying why in plain words: no exception text.
            HttpResponse<String> aborted = stuck.get(10, TimeUnit.SECONDS);
            assertEquals(500, aborted.statusCode());
            assertEquals("500 Server Error\nthe extension was unloaded before it finished this request\n", aborted.body());
            await().atMost(Duration.ofSeconds(5)).until(() -> entries(ts, "probe").size() == 1);
            // Past the drain timeout the old version is told MUST, as README and --help promise (not ADVISORY).
            assertEquals(List.of("v1 load", "v2 load", "v1 MUST"), List.copyOf(DeployFixtures.events()));
            assertEquals(1, ts.server().stats().errors(), "the aborted session counts as an error");
            never.release(); // too late: the session is over and v1 unloaded; nothing may break
            assertEquals("v2", get(ts, "/ext/probe"));
        }
    }
}
