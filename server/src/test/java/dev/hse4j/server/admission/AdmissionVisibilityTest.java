package dev.hse4j.server.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.HeadlessChromium;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample token-bucket hook with the {@code vars} sample: the context on the server variable, the ECB
 * accessor and the access log; refusals past the bucket; verdict counts on /hse/status.json and the status
 * page.
 */
class AdmissionVisibilityTest {

    private static final Pattern TAG = Pattern.compile("\\{number=(\\d+), acceptedAt=(\\d{4}-\\d\\d-\\d\\dT[^}]+Z)}");

    @TempDir
    Path tmp;

    @AfterEach
    void clearBucketSettings() {
        System.clearProperty("hse4j.tokenbucket.rate");
        System.clearProperty("hse4j.tokenbucket.burst");
    }

    static Path tokenBucketJar() {
        Path jar = FixtureJars.samplesDir().getParent().resolve("hooks/tokenbucket.jar");
        assertTrue(Files.isRegularFile(jar), "sample hook missing: " + jar);
        return jar;
    }

    @Test
    void theSampleHookTagsConnectionsVarsShowsItTheAccessLogToo() throws Exception {
        // A bucket that does not refill during the test (one token per 1,000 s) holding 3: the fourth
        // connection from one address is refused.
        System.setProperty("hse4j.tokenbucket.rate", "0.001");
        System.setProperty("hse4j.tokenbucket.burst", "3");
        try (TestServer s = TestServer.builder(tmp).samples("vars").jar(tokenBucketJar())
                .config(b -> b.admission(AdmissionConfig.defaults().withLogContext(true))).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> s.server().admission().hooks().active().size() == 1);
            String first;
            try (Peer p = Peer.connect("127.0.0.2", s.port())) {
                first = p.get("/ext/vars?name=HSE_CONNECTION_CONTEXT").body();
                Matcher m = TAG.matcher(first);
                assertTrue(m.matches(), first);
                assertEquals(first, p.get("/ext/vars?name=HSE_CONNECTION_CONTEXT").body(), "same connection, same tag");
                String object = p.get("/ext/vars?context").body();
                assertTrue(object.startsWith("java.util.Collections$UnmodifiableMap@") && object.endsWith(first), object);
                assertTrue(p.get("/ext/vars").body().contains("HSE_CONNECTION_CONTEXT=" + first));
            }
            String second;
            try (Peer p = Peer.connect("127.0.0.2", s.port())) {
                second = p.get("/ext/vars?name=HSE_CONNECTION_CONTEXT").body();
            }
            Matcher a = TAG.matcher(first);
            Matcher b = TAG.matcher(second);
            assertTrue(a.matches() && b.matches(), second);
            assertEquals(Long.parseLong(a.group(1)) + 1, Long.parseLong(b.group(1)), "numbered in accept order");
            // The fourth connects only once the third is served: connected together, their verdicts may be
            // reached in either order, and the last token go to the fourth.
            try (Peer third = Peer.connect("127.0.0.2", s.port())) {
                third.assertServed();
                try (Peer fourth = Peer.connect("127.0.0.2", s.port())) {
                    fourth.assertReset();
                }
            }
            try (Peer other = Peer.connect("127.0.0.3", s.port())) {
                other.assertServed(); // its own bucket
            }
            assertEquals(1, s.server().admission().stats().byReason("refuse:hook"));

            // The access log's last field is the context of the request's connection.
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(s.accessLog()).stream()
                    .filter(l -> l.contains("/ext/vars?name=HSE")).count() == 3);
            List<String> lines = Files.readAllLines(s.accessLog()).stream().filter(l -> l.contains("/ext/vars?name=HSE")).toList();
            assertTrue(lines.get(0).endsWith(" \"" + first + "\""), lines.get(0));
            assertTrue(lines.get(2).endsWith(" \"" + second + "\""), lines.get(2));

            JsonNode ad = AdmissionHookDeployTest.status(s).path("admission");
            JsonNode hook = ad.path("hooks").get(0);
            assertEquals("tokenbucket.jar!dev.hse4j.samples.tokenbucket.TokenBucketHook", hook.path("name").asText());
            assertEquals(5, hook.path("accept").asLong(), ad.toString()); // .2 three times, .3, and the status request
            assertEquals(1, hook.path("refuse").asLong());
            assertEquals(1, ad.path("byReason").path("refuse:hook").asLong());
            assertEquals(5, ad.path("verdicts").path("accept").asLong());
            assertEquals(256, ad.path("policies").path("maxConnectionsPerIp").asInt());
            assertNotEquals(0, hook.path("maxMicros").asDouble());
        }
    }

    @Test
    void theStatusPageShowsVerdictCountsByReasonAndByHook() throws Exception {
        try (TestServer s = TestServer.builder(tmp).jar(tokenBucketJar())
                .config(b -> b.admission(AdmissionConfig.defaults().withLists(List.of(), List.of("127.0.0.2")))).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> s.server().admission().hooks().active().size() == 1);
            try (Peer denied = Peer.connect("127.0.0.2", s.port())) {
                denied.assertReset();
            }
            try (HeadlessChromium browser = HeadlessChromium.open(s.server().baseUri() + "status.html", 1280, 1400)) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> browser.text().contains("live · updated"));
                String reasons = browser.eval("document.querySelector('#admissionReasons').textContent").asText();
                assertTrue(reasons.contains("refuse:deny") && reasons.contains("1"), reasons);
                String hooks = browser.eval("document.querySelector('#admissionHooks').textContent").asText();
                assertTrue(hooks.contains("dev.hse4j.samples.tokenbucket.TokenBucketHook") && hooks.contains("ACTIVE"),
                        hooks);
                assertTrue(browser.text().contains("per address 256"), browser.text());
                browser.screenshot(Path.of("target", "screenshots", "admission-status.png"));
            }
        }
    }
}
