package dev.hse4j.server.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.CallRecorderExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.ServerProcess;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: SIGTERM, sent for real to the packaged server: readiness goes 503 at once, the node keeps serving
 * for the grace period, then stops accepting; in-flight and PENDING sessions finish (or are cut at the shutdown
 * timeout, and the log says so); extensions are unloaded ADVISORY; exit code 0; a second SIGTERM skips the
 * waiting.
 */
class DrainProcessIT {

    @TempDir
    Path tmp;

    final HttpClient client = HttpClient.newHttpClient();

    Path site() throws Exception {
        Path site = Files.createDirectories(tmp.resolve("site"));
        Files.createDirectories(site.resolve("extensions"));
        Files.copy(FixtureJars.sample("clock"), site.resolve("extensions/clock.jar"));
        Files.copy(FixtureJars.sample("hello"), site.resolve("extensions/hello.jar"));
        FixtureJars.jarOf(site.resolve("extensions/recorder.jar"), CallRecorderExtension.class);
        return site;
    }

    ServerProcess start(Path site, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--no-https",
                "--access-log", "none"));
        args.addAll(List.of(flags));
        return ServerProcess.start(site, Map.of(), List.of("-Dhse4j.test.calls=" + site.resolve("calls.txt")),
                args.toArray(String[]::new));
    }

    HttpResponse<String> get(URI uri) throws Exception {
        // A new connection each time: what a balancer's new client would do.
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static boolean refuses(URI base) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 2000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void sigtermServesTheGracePeriodThenDrainsPendingSessionsAndExits0() throws Exception {
        Path site = site();
        try (ServerProcess s = start(site, "--grace-period", "3", "--shutdown-timeout", "30")) {
            URI base = s.awaitReady();
            assertEquals(200, get(base.resolve("hse/ready")).statusCode());
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pending.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("ext/clock?ms=6000"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> MetricsTest.value(
                    get(base.resolve("hse/metrics")).body(), "hse4j_sessions_pending") == 5.0);

            s.sigterm();
            await().atMost(Duration.ofSeconds(5)).until(() -> get(base.resolve("hse/ready")).statusCode() == 503);
            assertEquals("draining\n", get(base.resolve("hse/ready")).body());
            // Still serving during the grace period, on new connections too.
            assertEquals(200, get(base.resolve("hse/health")).statusCode());
            assertEquals(200, get(base.resolve("ext/hello")).statusCode());
            // Then no longer accepting, while the pending sessions carry on.
            await().atMost(Duration.ofSeconds(15)).until(() -> refuses(base));
            for (CompletableFuture<HttpResponse<String>> f : pending) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertTrue(r.body().startsWith("tick "), r.body());
            }
            assertEquals(0, s.awaitExit(Duration.ofSeconds(60)), s.output());
            assertTrue(s.output().contains("SIGTERM: draining"), s.output());
            assertTrue(s.output().contains("stopped accepting; 5 session(s) open (/ext/clock: 5 (5 pending))"),
                    s.output());
            assertTrue(s.output().contains("drain: all 5 open session(s) finished"), s.output());
            String calls = Files.readString(site.resolve("calls.txt"));
            assertTrue(calls.contains("terminate ADVISORY " + s.pid()), calls);
        }
    }

    @Test
    void theShutdownTimeoutCutsWhatIsLeftAndTheLogSaysWhat() throws Exception {
        try (ServerProcess s = start(site(), "--grace-period", "0", "--shutdown-timeout", "1")) {
            URI base = s.awaitReady();
            CompletableFuture<HttpResponse<String>> longOne = client.sendAsync(
                    HttpRequest.newBuilder(base.resolve("ext/clock?ms=120000")).timeout(Duration.ofSeconds(120)).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(20)).until(() -> MetricsTest.value(
                    get(base.resolve("hse/metrics")).body(), "hse4j_sessions_pending") == 1.0);
            long t0 = System.nanoTime();
            s.sigterm();
            assertEquals(0, s.awaitExit(Duration.ofSeconds(60)), s.output());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "did not wait for the 120 s session");
            assertTrue(s.output().contains("0 session(s) finished, 1 cut (/ext/clock: 1 (1 pending)) at the shutdown "
                    + "timeout"), s.output());
            try {
                HttpResponse<String> r = longOne.get(30, TimeUnit.SECONDS);
                assertTrue(r.statusCode() != 200, "a cut session is not answered as a success");
            } catch (java.util.concurrent.ExecutionException e) {
                // the connection was closed: what a cut session gets
            }
        }
    }

    @Test
    void aSecondSigtermSkipsTheWaiting() throws Exception {
        try (ServerProcess s = start(site(), "--grace-period", "120", "--shutdown-timeout", "120")) {
            URI base = s.awaitReady();
            long t0 = System.nanoTime();
            s.sigterm();
            s.awaitLine(Pattern.compile("SIGTERM: draining"), Duration.ofSeconds(20));
            assertEquals(503, get(base.resolve("hse/ready")).statusCode());
            s.sigterm();
            assertEquals(0, s.awaitExit(Duration.ofSeconds(60)), s.output());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60), "the 120 s grace period was skipped");
            assertTrue(s.output().contains("second SIGTERM: skipping the rest of the drain"), s.output());
        }
    }
}
