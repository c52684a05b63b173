package dev.hse4j.server.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.deploy.HookDeployment;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two hooks compose in jar-name order; the first verdict that is not accept wins. */
class AdmissionHookOrderTest {

    @TempDir
    Path tmp;

    @Test
    void hooksRunInJarNameOrderAndTheFirstRefusalWins() throws Exception {
        Path a = HookFixtures.hookJar(tmp.resolve("build/a-first.jar"), "A");
        Path z = HookFixtures.hookJar(tmp.resolve("build/z-last.jar"), "Z");
        Path ctx = HookFixtures.contextJar(tmp.resolve("build/ctx.jar"));
        try (TestServer s = TestServer.builder(tmp.resolve("server")).jar(z).jar(a).jar(ctx)
                .config(b -> b.admission(AdmissionConfig.defaults())).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> s.server().admission().hooks().active().size() == 2);
            List<HookDeployment> hooks = s.server().admission().hooks().active();
            assertEquals(List.of("a-first.jar", "z-last.jar"), hooks.stream().map(HookDeployment::jarName).toList());
            try (Peer p = Peer.connect("127.0.0.1", s.port())) {
                // Both accept; the connection's context is the last one given.
                assertTrue(p.get("/ext/ctx").body().startsWith("version=Z n=1"));
            }
            try (Peer p = Peer.connect("127.0.0.2", s.port())) {
                p.assertReset(); // a-first refuses; z-last is never asked
            }
            AdmissionStats st = s.server().admission().stats();
            assertEquals(2, st.hookCounters(hooks.get(0).name()).decisions(), "a-first judged both");
            assertEquals(1, st.hookCounters(hooks.get(1).name()).decisions(), "z-last only the accepted one");
            // Each hook that accepted the first connection is told of its close, once.
            await().atMost(Duration.ofSeconds(10)).until(() -> HookFixtures.closes(hooks.get(0)).size() == 1
                    && HookFixtures.closes(hooks.get(1)).size() == 1);
        }
    }
}
