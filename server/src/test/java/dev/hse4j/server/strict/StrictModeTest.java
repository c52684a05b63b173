package dev.hse4j.server.strict;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.StrictBufferExtension;
import dev.hse4j.fixtures.StrictCompletionExtension;
import dev.hse4j.fixtures.StrictLateCallExtension;
import dev.hse4j.fixtures.StrictNonBlockingExtension;
import dev.hse4j.fixtures.StrictPendingExtension;
import dev.hse4j.fixtures.StrictThreadExtension;
import dev.hse4j.server.config.StrictConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.HeadlessChromium;
import dev.hse4j.server.testing.LogCapture;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.hse4j.server.Main;

import picocli.CommandLine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strict mode over real sockets: each classic ISAPI mistake made by a real extension jar is reported once
 * per extension, with the stack of the extension's offending call, on the log and in status.json.
 * {@code buffer} runs strict because the server was started with {@code --strict}; the others ask for it
 * with {@code @ExtensionSettings(strict = true)}.
 */
class StrictModeTest {

    @TempDir
    static Path tmp;
    static TestServer strict;
    static TestServer plain;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        strict = TestServer.builder(tmp.resolve("strict"))
                .jar(FixtureJars.jarOf(tmp.resolve("jars/buffer.jar"), StrictBufferExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("jars/pending.jar"), StrictPendingExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("jars/completion.jar"), StrictCompletionExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("jars/late.jar"), StrictLateCallExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("jars/threads.jar"), StrictThreadExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("jars/nbslow.jar"), StrictNonBlockingExtension.class))
                .config(b -> b.strict(new StrictConfig(true, Duration.ofMillis(200), Duration.ofMillis(300)))
                        .scanInterval(Duration.ofMillis(50)))
                .start();
        // Strict mode off (the default): the same buffer mistake goes unreported.
        plain = TestServer.builder(tmp.resolve("plain"))
                .jar(FixtureJars.jarOf(tmp.resolve("jars2/buffer.jar"), StrictBufferExtension.class))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        strict.close();
        plain.close();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(StrictThreadExtension.WORKER)) {
                t.interrupt();
            }
        }
    }

    static JsonNode strictSection(TestServer s) throws Exception {
        return JSON.readTree(s.given().get("/hse/status.json").then().statusCode(200).extract().asString()).get("strict");
    }

    static JsonNode report(TestServer s, String extension, String check) throws Exception {
        for (JsonNode r : strictSection(s).get("reports")) {
            if (r.get("extension").asText().equals(extension) && r.get("check").asText().equals(check)) {
                return r;
            }
        }
        return null;
    }

    static JsonNode awaitReport(String extension, String check) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> (found[0] = report(strict, extension, check)) != null);
        return found[0];
    }

    /**
     * Reads a response to the end, but only once the procedure has returned PENDING: by then the extension has
     * reused its buffer, and the 16 MiB write (far more than the socket buffers hold) is still pending. Read at
     * once, a fast client could let the write finish and its completion check the buffer before the extension
     * touched it, and the mistake would go unseen (strict mode checks; it cannot see the future).
     */
    static byte[] getBig(TestServer server, String path) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            // The previous request's session is over first, so the count below is this request's.
            await().atMost(Duration.ofSeconds(20)).until(() -> server.server().stats().pendingSessions() == 0);
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> server.server().stats().pendingSessions() > 0);
            return c.read().body();
        }
    }

    @Test
    void aBufferReusedBeforeItsCompletionIsReportedWithTheCall() throws Exception {
        try (LogCapture log = new LogCapture()) {
            byte[] body = getBig(strict, "/ext/buffer");
            assertEquals(16 << 20, body.length);
            JsonNode r = awaitReport("buffer", "BUFFER_CHANGED");
            assertTrue(r.get("message").asText().contains("GET /ext/buffer"), r.toString());
            String stack = r.get("stack").asText();
            assertTrue(stack.contains("writeClientAsync"), stack);
            assertTrue(stack.contains("dev.hse4j.fixtures.StrictBufferExtension.httpExtensionProc"), stack);
            // Once per extension: a second occurrence is counted, not logged again.
            getBig(strict, "/ext/buffer");
            await().atMost(Duration.ofSeconds(20)).until(() -> report(strict, "buffer", "BUFFER_CHANGED").get("count").asLong() >= 2);
            String text = log.text();
            assertEquals(text.indexOf("strict: extension buffer: a buffer changed"),
                    text.lastIndexOf("strict: extension buffer: a buffer changed"), "logged once");
            assertTrue(text.contains("StrictBufferExtension.httpExtensionProc"), "the log has the stack");
        }
    }

    @Test
    void strictOffReportsNothingAndChangesNothing() throws Exception {
        byte[] body = getBig(plain, "/ext/buffer");
        assertEquals(16 << 20, body.length);
        JsonNode s = strictSection(plain);
        assertEquals(false, s.get("enabled").asBoolean());
        assertEquals(0, s.get("reports").size());
    }

    @Test
    void pendingWithoutDoneWithSessionIsReportedAtTheSessionTimeout() throws Exception {
        strict.given().get("/ext/pending?x=1").then().statusCode(500);
        JsonNode r = awaitReport("pending", "PENDING_NEVER_DONE");
        String m = r.get("message").asText();
        assertTrue(m.contains("dev.hse4j.fixtures.StrictPendingExtension returned PENDING for GET /ext/pending?x=1"), m);
        assertTrue(m.contains("last ECB call on this request was ioCompletion"), m);
        assertTrue(r.get("stack").asText().contains("StrictPendingExtension.httpExtensionProc"), r.toString());
    }

    @Test
    void aCompletionThatRunsTooLongIsReportedWithWhereItIsStuck() throws Exception {
        try (RawHttp c = new RawHttp(strict.port())) {
            c.send("GET /ext/completion?slow HTTP/1.1\r\nHost: x\r\n\r\n");
            JsonNode r = awaitReport("completion", "SLOW_COMPLETION");
            String stack = r.get("stack").asText();
            assertTrue(stack.contains("StrictCompletionExtension.done"), stack);
            assertTrue(stack.contains("CountDownLatch.await"), "the stack shows where the completion waits: " + stack);
            strict.given().get("/ext/completion?release").then().statusCode(200);
            assertEquals("first part", c.read().text());
        }
    }

    @Test
    void aNonBlockingProcedureThatBlocksTheNetworkThreadIsReportedWithWhereItIsStuck() throws Exception {
        strict.given().get("/ext/nbslow?wait").then().statusCode(200);
        JsonNode r = awaitReport("nbslow", "BLOCKING_ON_NETWORK_THREAD");
        assertTrue(r.get("message").asText().contains("declares nonBlocking and runs on a network thread"), r.toString());
        String stack = r.get("stack").asText();
        assertTrue(stack.contains("StrictNonBlockingExtension.httpExtensionProc"), stack);
        assertTrue(stack.contains("CountDownLatch.await"), "the stack shows where it waits: " + stack);
    }

    @Test
    void synchronousIoInsideACompletionIsReported() throws Exception {
        strict.given().get("/ext/completion?sync").then().statusCode(200);
        JsonNode r = awaitReport("completion", "SYNC_IO_IN_COMPLETION");
        assertTrue(r.get("message").asText().contains("writeClient (synchronous) was called inside a completion"), r.toString());
        String stack = r.get("stack").asText();
        assertTrue(stack.contains("StrictEcb.writeClient"), r.toString());
        assertTrue(stack.contains("StrictCompletionExtension.done"), stack);
    }

    @Test
    void aCallAfterTheSessionEndedIsReportedWithWhereItCameFrom() throws Exception {
        strict.given().get("/ext/late").then().statusCode(200);
        JsonNode r = awaitReport("late", "CALL_AFTER_END");
        assertTrue(r.get("message").asText().contains("writeClient"), r.toString());
        String stack = r.get("stack").asText();
        assertTrue(stack.contains("StrictLateCallExtension.finishThenKeepGoing"), stack);
    }

    @Test
    void threadsLeftRunningAfterTerminateAreNamed() throws Exception {
        strict.given().get("/ext/threads").then().statusCode(200);
        Files.delete(strict.extensionsDir().resolve("threads.jar")); // undeploy: drain, terminateExtension
        JsonNode r = awaitReport("threads", "THREADS_LEFT_RUNNING");
        assertTrue(r.get("message").asText().contains("'" + StrictThreadExtension.WORKER + "'"), r.toString());
        assertTrue(r.get("stack").asText().contains("CountDownLatch.await"), r.toString());
        assertNull(report(strict, "threads", "CALL_AFTER_END"));
        assertNotNull(strictSection(strict).get("completionThresholdMs"));
    }

    @Test
    void theStatusPageListsTheFindingsWithTheirStacks() throws Exception {
        strict.given().get("/ext/late").then().statusCode(200);
        awaitReport("late", "CALL_AFTER_END");
        try (HeadlessChromium browser = HeadlessChromium.open(strict.server().baseUri() + "status.html", 1280, 1000)) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.text().contains("live · updated"));
            assertEquals("on for every extension", browser.eval("document.getElementById('strictState').textContent").asText());
            String row = browser.eval("document.querySelector('#strict tr[data-extension=late][data-check=CALL_AFTER_END]')"
                    + ".textContent").asText();
            assertTrue(row.contains("a call on an ECB after its session ended"), row);
            assertTrue(row.contains("StrictLateCallExtension.finishThenKeepGoing"), "the stack is on the page: " + row);
            browser.screenshot(Path.of("target", "screenshots", "strict-status.png"));
        }
    }

    @Test
    void theCommandLineTurnsItOn() {
        CommandLine cl = new CommandLine(new Main());
        cl.parseArgs("--strict", "--strict-completion-ms", "75");
        StrictOptions o = (StrictOptions) cl.getMixins().get("strictOptions");
        StrictConfig c = o.config();
        assertTrue(c.enabled());
        assertEquals(Duration.ofMillis(75), c.completionThreshold());
        CommandLine plainCl = new CommandLine(new Main());
        plainCl.parseArgs();
        assertEquals(false, ((StrictOptions) plainCl.getMixins().get("strictOptions")).config().enabled(),
                "off unless asked for");
    }
}
