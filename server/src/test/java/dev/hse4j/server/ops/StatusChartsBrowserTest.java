package dev.hse4j.server.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.HeadlessChromium;
import dev.hse4j.server.testing.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the status page draws live charts (requests/s, p50/p99 latency, pending sessions; for the server
 * and each extension) from the meters, checked in headless Chromium with data in them, and a screenshot under
 * target/screenshots.
 */
class StatusChartsBrowserTest {

    @TempDir
    Path tmp;

    static final Path SHOTS = Path.of("target", "screenshots");

    static double num(HeadlessChromium b, String js) throws Exception {
        String v = b.eval(js).asText();
        return v == null || v.isEmpty() || v.equals("null") ? 0 : Double.parseDouble(v);
    }

    @Test
    void chartsRenderWithTheTrafficTheTestMade() throws Exception {
        try (TestServer ts = TestServer.withSamples(tmp, "hello", "clock");
             HeadlessChromium browser = HeadlessChromium.open(ts.server().baseUri() + "status.html", 1280, 1100)) {
            HttpClient client = HttpClient.newHttpClient();
            URI base = ts.server().baseUri();
            AtomicBoolean stop = new AtomicBoolean();
            // Bounded load: one client, hello requests back to back, and a few PENDING clock requests.
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(45).toNanos();
                while (!stop.get() && System.nanoTime() < end) {
                    try {
                        client.send(HttpRequest.newBuilder(base.resolve("ext/hello")).build(),
                                HttpResponse.BodyHandlers.discarding());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            List<CompletableFuture<HttpResponse<Void>>> pending = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pending.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("ext/clock?ms=8000")).build(),
                        HttpResponse.BodyHandlers.discarding()));
            }
            try {
                await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() ->
                        num(browser, "document.querySelector('svg[data-chart=server-rps]')?.dataset.max") > 0
                                && num(browser, "document.querySelector('svg[data-chart=server-rps]')?.dataset.points") >= 6
                                && num(browser, "document.querySelector('svg[data-chart=server-pending]')?.dataset.max") >= 3
                                && num(browser, "document.querySelector('svg[data-chart=hello-latency]')?.dataset.max") > 0
                                && num(browser, "document.querySelector('svg[data-chart=hello-rps]')?.dataset.max") > 0);
            } finally {
                stop.set(true);
                load.join();
            }
            // The lines are drawn (points inside the box), for the server and per extension.
            String pts = browser.eval("document.querySelector('svg[data-chart=server-rps] polyline').getAttribute('points')")
                    .asText();
            assertTrue(pts.split(" ").length >= 3, pts);
            assertTrue(browser.eval("document.querySelectorAll('#charts .chart-row[data-name=clock] polyline').length")
                    .asInt() >= 4, "clock's three charts, latency with two lines");
            assertTrue(browser.text().contains("requests/s"), browser.text());
            Path shot = browser.screenshot(SHOTS.resolve("status-charts.png"));
            assertTrue(Files.size(shot) > 10_000, "a real screenshot");
            for (CompletableFuture<HttpResponse<Void>> f : pending) {
                f.join();
            }
        }
    }
}
