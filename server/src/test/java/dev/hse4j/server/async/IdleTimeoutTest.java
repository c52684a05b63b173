package dev.hse4j.server.async;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.AsyncProbeExtension;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection idle timeout against sessions: it never kills a waiting session, only stalled I/O. */
class IdleTimeoutTest {

    @TempDir
    Path tmp;

    @Test
    void aPendingSessionOutlivesTheIdleTimeoutAndAStalledWriteFailsWith995() throws Exception {
        try (TestServer server = TestServer.builder(tmp).samples("clock")
                .jar(FixtureJars.jarOf(tmp.resolve("probe.jar"), AsyncProbeExtension.class))
                .config(b -> b.idleTimeout(Duration.ofMillis(500))).start()) {
            // Silent for three idle timeouts while the extension waits: still answered.
            try (RawHttp c = new RawHttp(server.port())) {
                RawHttp.Reply r = c.get("/ext/clock?ms=1500");
                assertEquals(200, r.status());
                assertTrue(r.text().startsWith("tick "));
            }
            // A client that stops reading: the pending write makes no progress and fails with 995.
            String id = UUID.randomUUID().toString();
            try (RawHttp c = new RawHttp(server.port())) {
                c.send("GET /ext/probe?op=forever&id=" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
                await().atMost(Duration.ofSeconds(20)).until(() -> probe(server, id).contains("error="));
            }
            assertEquals("error=995 connected=false", probe(server, id));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.server().stats().liveSessions() == 0);
        }
    }

    @SuppressWarnings("unchecked")
    static String probe(TestServer server, String id) {
        Deployment d = server.server().registry().acquire("probe");
        try {
            return (String) ((Function<String, Object>) d.extension()).apply(id);
        } finally {
            d.release();
        }
    }
}
