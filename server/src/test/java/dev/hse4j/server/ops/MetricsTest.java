package dev.hse4j.server.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.NeverDoneExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import io.restassured.response.Response;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13: /hse/metrics in the Prometheus text format, with hse4j's own meters per extension, JVM and Jetty. */
class MetricsTest {

    @TempDir
    Path tmp;

    static String scrape(TestServer s) {
        Response r = s.given().get("/hse/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.contentType().startsWith("text/plain; version=0.0.4"), r.contentType());
        return r.asString();
    }

    /** @return the value of the sample whose name and labels start as given, or -1 */
    static double value(String text, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + "[^\\n]* ([0-9.eE+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void ownMetersPerExtensionJvmAndJetty() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("hello", "clock", "stream")
                .jar(FixtureJars.jarOf(tmp.resolve("never.jar"), NeverDoneExtension.class))
                .start()) {
            for (int i = 0; i < 3; i++) {
                s.given().get("/ext/hello").then().statusCode(200);
            }
            s.given().get("/ext/nothing-here").then().statusCode(404);
            s.given().get("/ext/stream?bytes=3000&chunk=1000").then().statusCode(200);
            // A PENDING session is visible while it waits.
            CompletableFuture<Integer> slow = CompletableFuture.supplyAsync(
                    () -> s.given().get("/ext/clock?ms=1500").statusCode());
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    value(scrape(s), "hse4j_extension_sessions_pending{extension=\"clock\"}") == 1.0);
            assertEquals(200, slow.get());
            // doneWithSession never called: the session timeout ends it.
            s.given().get("/ext/never").then().statusCode(500);

            String m = await().atMost(Duration.ofSeconds(5)).until(() -> scrape(s),
                    t -> value(t, "hse4j_extension_requests_total{extension=\"clock\",status=\"2xx\"}") == 1.0
                            && value(t, "hse4j_extension_session_timeouts_total{extension=\"never\"}") == 1.0);
            assertEquals(3.0, value(m, "hse4j_extension_requests_total{extension=\"hello\",status=\"2xx\"}"), m);
            assertEquals(1.0, value(m, "hse4j_extension_requests_total{extension=\"_none\",status=\"4xx\"}"), m);
            assertEquals(3.0, value(m, "hse4j_extension_request_seconds_count{extension=\"hello\"}"), m);
            assertTrue(m.contains("hse4j_extension_request_seconds_bucket{extension=\"hello\",le=\""), "a histogram");
            // Cumulative buckets ending with +Inf = the count; a hello on loopback is under 60 s.
            assertEquals(3.0, value(m, "hse4j_extension_request_seconds_bucket{extension=\"hello\",le=\"+Inf\"}"), m);
            assertEquals(3.0, value(m, "hse4j_extension_request_seconds_bucket{extension=\"hello\",le=\"60.0\"}"), m);
            assertTrue(value(m, "hse4j_extension_request_seconds_sum{extension=\"hello\"}") > 0, m);
            assertTrue(value(m, "hse4j_extension_async_completions_total{code=\"0\",extension=\"stream\"}") >= 3, m);
            assertEquals(1.0, value(m, "hse4j_extension_sessions_ended_total{extension=\"never\",outcome=\"timeout\"}"));
            assertEquals(4.0, value(m, "hse4j_deploys_total{action=\"deploy\",outcome=\"ok\"}"), m);
            assertEquals(0.0, value(m, "hse4j_sessions_pending"), m);
            assertEquals(1.0, value(m, "hse4j_ready"), m);
            assertEquals(0.0, value(m, "hse4j_retired_loaders_not_collected"), m);
            // JVM, GC, class loaders, Jetty's pool and connections.
            for (String name : new String[] {"jvm_memory_used_bytes", "jvm_classes_loaded_classes", "jvm_gc_",
                                             "jetty_threads_config_max", "jetty_connections_"}) {
                assertTrue(m.contains(name), name + " missing");
            }
        }
    }
}
