package dev.hse4j.server.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a real Prometheus (Debian's) scrapes /hse/metrics every second, and its HTTP API returns the
 * counter this test moved.
 */
class PrometheusScrapeTest {

    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    @TempDir
    Path tmp;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void prometheusScrapesTheCounterTheTestMoved() throws Exception {
        assertTrue(Files.isExecutable(PROMETHEUS), "Debian's prometheus is a test peer (./test.sh installs it)");
        try (TestServer s = TestServer.withSamples(tmp.resolve("server"), "hello")) {
            Path cfg = Files.writeString(tmp.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                    scrape_configs:
                      - job_name: hse4j
                        metrics_path: /hse/metrics
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(s.port()));
            int promPort = freePort();
            Process prom = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + cfg,
                    "--web.listen-address=127.0.0.1:" + promPort, "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                    "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            try {
                for (int i = 0; i < 7; i++) {
                    s.given().get("/ext/hello").then().statusCode(200);
                }
                HttpClient client = HttpClient.newHttpClient();
                String query = "hse4j_extension_requests_total{extension=\"hello\",status=\"2xx\",job=\"hse4j\"}";
                URI uri = URI.create("http://127.0.0.1:" + promPort + "/api/v1/query?query="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8));
                ObjectMapper json = new ObjectMapper();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> {
                            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                            JsonNode result = json.readTree(r.body()).path("data").path("result");
                            return result.size() == 1 && result.get(0).path("value").get(1).asText().equals("7");
                        });
                // And the target is up in Prometheus's own view.
                HttpResponse<String> up = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort
                        + "/api/v1/query?query=up")).build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(up.body().contains("\"job\":\"hse4j\"") && up.body().contains("\"1\"]"), up.body());
            } finally {
                prom.destroy();
                if (!prom.waitFor(20, TimeUnit.SECONDS)) {
                    prom.destroyForcibly();
                    prom.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
