package dev.hse4j.server.ssf;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.SsfProbeExtension;
import dev.hse4j.server.config.HealthConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.HeadlessChromium;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status page (the repository's webroot) in headless Chromium shows an extension's unhealthy report live. */
@SuppressWarnings("try")
class UnhealthyStatusPageBrowserTest {

    @TempDir
    Path tmp;

    @Test
    void theStatusPageShowsTheReportAndTheNodeNotReady() throws Exception {
        try (TestServer ts = TestServer.builder(tmp).jar(FixtureJars.jarOf(tmp.resolve("ssf.jar"), SsfProbeExtension.class))
                .config(b -> b.health(new HealthConfig(true))).start();
             HeadlessChromium browser = HeadlessChromium.open(ts.server().baseUri() + "status.html", 1280, 1000)) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.text().contains("live · updated"));
            assertTrue(!browser.text().contains("unhealthy:"), browser.text());
            ts.given().queryParam("op", "unhealthy").queryParam("reason", "disk full").get("/ext/ssf").then()
                    .body(equalTo("reported"));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> browser.eval(
                    "document.querySelector('#extensions tr[data-name=ssf]').textContent").asText()
                    .contains("unhealthy: disk full"));
            assertTrue(browser.text().contains("1 (not ready)"), browser.text());
            browser.screenshot(Path.of("target", "screenshots", "status-unhealthy.png"));
        }
    }
}
