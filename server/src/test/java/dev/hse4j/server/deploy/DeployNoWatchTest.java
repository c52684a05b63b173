package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.drop;
import static dev.hse4j.server.deploy.DeployTesting.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --no-watch}: the directory is loaded once at start, and later changes are left alone. */
@SuppressWarnings("try")
class DeployNoWatchTest {

    @TempDir
    Path tmp;

    @Test
    void withoutWatchingOnlyTheJarsPresentAtStartAreServed() throws Exception {
        Path v1 = DeployFixtures.probe(tmp.resolve("v1/probe.jar"), "v1");
        Path other = DeployFixtures.probe(tmp.resolve("o/other.jar"), "other");
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(v1).config(c -> c.watch(false)).start()) {
            assertNull(ts.server().watcher());
            assertEquals("v1", get(ts, "/ext/probe"));
            drop(ts, other, "other.jar");
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> get(ts, "/ext/other").equals("STATUS 404"));
            JsonNode dep = DeployTesting.status(ts).get("deployment");
            assertFalse(dep.get("watch").asBoolean());
            assertEquals(90_000, dep.get("drainTimeoutMs").asInt());
        }
    }
}
