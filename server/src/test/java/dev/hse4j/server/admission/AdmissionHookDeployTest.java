package dev.hse4j.server.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.deploy.HookDeployment;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission hooks deployed like extensions: hot-deployed, replaced while connections are open, rolled back,
 * removed, and their class loaders released and leak-watched.
 */
class AdmissionHookDeployTest {

    @TempDir
    Path tmp;

    private TestServer start() throws Exception {
        Path ctx = HookFixtures.contextJar(tmp.resolve("build/ctx.jar"));
        return TestServer.builder(tmp.resolve("server")).jar(ctx)
                .config(b -> b.admission(AdmissionConfig.defaults()).scanInterval(Duration.ofMillis(50))).start();
    }

    private static List<HookDeployment> active(TestServer s) {
        return s.server().admission().hooks().active();
    }

    @Test
    void replacedWhileConnectionsAreOpenOldKeepTheirContextNewUseTheNewVersionThenRemoved() throws Exception {
        try (TestServer s = start()) {
            try (Peer before = Peer.connect("127.0.0.1", s.port())) {
                assertEquals("none var=(232)", before.get("/ext/ctx").body(), "no hook yet: no context");
            }
            HookFixtures.deploy(HookFixtures.hookJar(tmp.resolve("build/v1.jar"), "v1"), s.extensionsDir(), "gate.jar");
            await().atMost(Duration.ofSeconds(10)).until(() -> active(s).size() == 1);
            HookDeployment v1 = active(s).get(0);

            Peer old = Peer.connect("127.0.0.1", s.port());
            assertTrue(old.get("/ext/ctx").body().startsWith("version=v1 n=1"));

            HookFixtures.deploy(HookFixtures.hookJar(tmp.resolve("build/v2.jar"), "v2"), s.extensionsDir(), "gate.jar");
            await().atMost(Duration.ofSeconds(10)).until(() -> active(s).size() == 1 && active(s).get(0) != v1);
            assertEquals(HookDeployment.State.DRAINING, v1.state(), "v1 waits for the connection it accepted");

            assertTrue(old.get("/ext/ctx").body().startsWith("version=v1 n=2"), "the old connection keeps its context");
            try (Peer fresh = Peer.connect("127.0.0.1", s.port())) {
                assertTrue(fresh.get("/ext/ctx").body().startsWith("version=v2 n=1"), "a new one gets v2's");
            }
            JsonNode hooks = status(s).path("admission").path("hooks");
            assertEquals(2, hooks.size(), hooks.toString());
            assertEquals("DRAINING", hooks.get(1).path("state").asText());

            old.close();
            // The close is told to v1 (which accepted it), and then v1's class loader is released.
            await().atMost(Duration.ofSeconds(10)).until(() -> v1.state() == HookDeployment.State.TERMINATED);
            assertEquals(1, HookFixtures.closes(v1).size());
            assertTrue(s.server().registry().retirement().leakWatch().closedCount() >= 1, "the loader was closed");

            Files.delete(s.extensionsDir().resolve("gate.jar"));
            await().atMost(Duration.ofSeconds(10)).until(() -> active(s).isEmpty());
            try (Peer after = Peer.connect("127.0.0.1", s.port())) {
                assertEquals("none var=(232)", after.get("/ext/ctx").body(), "removed: no hook judges any more");
            }
            assertEquals("remove", s.server().deployer().outcome("gate.jar").action());
        }
    }

    @Test
    void aBrokenReplacementIsRolledBackAndTheOldVersionKeepsJudging() throws Exception {
        try (TestServer s = start()) {
            HookFixtures.deploy(HookFixtures.hookJar(tmp.resolve("build/v1.jar"), "v1"), s.extensionsDir(), "gate.jar");
            await().atMost(Duration.ofSeconds(10)).until(() -> active(s).size() == 1);
            HookDeployment v1 = active(s).get(0);
            // A manifest naming a class the jar does not have.
            Path broken = dev.hse4j.server.testing.JarCompiler.create()
                    .source("fx.Other", "package fx; public final class Other {}")
                    .manifest("Hse4j-Admission-Hook", "fx.Missing").writeTo(tmp.resolve("build/broken.jar"));
            HookFixtures.deploy(broken, s.extensionsDir(), "gate.jar");
            await().atMost(Duration.ofSeconds(10)).until(() -> s.server().deployer().outcome("gate.jar") != null
                    && !s.server().deployer().outcome("gate.jar").ok());
            assertTrue(s.server().deployer().outcome("gate.jar").message().contains("fx.Missing"),
                    s.server().deployer().outcome("gate.jar").message());
            assertEquals(List.of(v1), active(s), "the previous version keeps judging");
            try (Peer p = Peer.connect("127.0.0.1", s.port())) {
                assertTrue(p.get("/ext/ctx").body().startsWith("version=v1"));
            }
            try (Peer p = Peer.connect("127.0.0.2", s.port())) {
                p.assertReset();
            }
            assertNotEquals(0, s.server().admission().stats().hookCounters(v1.name()).decisions());
        }
    }

    static JsonNode status(TestServer s) throws Exception {
        try (Peer p = Peer.connect("127.0.0.1", s.port())) {
            return new ObjectMapper().readTree(p.get("/hse/status.json").body());
        }
    }
}
