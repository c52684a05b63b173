package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.drop;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.HeadlessChromium;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser (headless Chromium): it shows the deployed extensions and, without a
 * reload, picks up a jar dropped in, a failed replacement with its reason, and a removal. Screenshots go to
 * {@code server/target/screenshots/}. Without Chromium this test fails: CI installs it.
 */
@SuppressWarnings("try")
class DeployStatusPageBrowserTest {

    @TempDir
    Path tmp;

    private static final Path SHOTS = Path.of("target", "screenshots");

    @Test
    void statusPageShowsDeployedExtensionsAndUpdatesLive() throws Exception {
        Path alpha = DeployFixtures.probe(tmp.resolve("a/alpha.jar"), b -> b.label("alpha").implementationVersion("1.0.0"));
        Path beta = DeployFixtures.probe(tmp.resolve("b/beta.jar"), b -> b.label("beta").implementationVersion("2.3.0"));
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).samples("hello").jar(alpha).start();
             HeadlessChromium browser = HeadlessChromium.open(ts.server().baseUri() + "status.html", 1280, 1000)) {
            // The page renders what is deployed.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.text().contains("live · updated"));
            String text = browser.text();
            assertTrue(text.contains("hello"), text);
            assertTrue(text.contains("alpha"), text);
            assertTrue(text.contains("Deploy probe alpha"), text);
            assertTrue(text.contains("ACTIVE"), text);
            assertEquals(2, browser.eval("document.querySelectorAll('#extensions tr[data-state=ACTIVE]').length").asInt());
            browser.screenshot(SHOTS.resolve("deploy-status-1-deployed.png"));

            // Counters move with the traffic.
            for (int i = 0; i < 3; i++) {
                DeployTesting.get(ts, "/ext/alpha");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> browser.eval(
                    "document.querySelector('#extensions tr[data-name=alpha] td:nth-child(6)').textContent").asText().equals("3"));

            // Another jar is dropped in: the open page shows it, no reload.
            browser.eval("window.__sameDocument = 'yes'");
            drop(ts, beta, "beta.jar");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.text().contains("Deploy probe beta"));
            assertEquals("yes", browser.eval("window.__sameDocument").asText(), "updated in place, not reloaded");
            assertTrue(browser.text().contains("2.3.0"));

            // A broken replacement of alpha: alpha keeps serving and its row shows why.
            Path broken = Files.createDirectories(tmp.resolve("bad")).resolve("alpha.jar");
            FixtureJars.corrupt(broken);
            drop(ts, broken, "alpha.jar");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.eval("document.querySelector('#extensions tr[data-name=alpha]').textContent")
                            .asText().contains("redeploy failed: not a valid jar"));
            assertEquals(3, browser.eval("document.querySelectorAll('#extensions tr[data-state=ACTIVE]').length").asInt());
            Path shot = browser.screenshot(SHOTS.resolve("deploy-status-2-after-drop.png"));
            assertTrue(Files.size(shot) > 10_000, "a real screenshot");

            // Removal: the row goes.
            Files.delete(ts.extensionsDir().resolve("beta.jar"));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.eval("document.querySelectorAll('#extensions tr[data-name=beta]').length").asInt() == 0);
            assertTrue(browser.text().contains("removed: /ext/beta"));
            browser.screenshot(SHOTS.resolve("deploy-status-3-after-remove.png"));
        }
    }

    @Test
    void indexLinksTheStatusPage() throws Exception {
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).start()) {
            assertTrue(DeployTesting.fetch(ts, "/").body().contains("href=\"/status.html\""));
            assertEquals(200, DeployTesting.fetch(ts, "/status.html").statusCode());
        }
    }
}
