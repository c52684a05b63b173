package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.awaitLooks;
import static dev.hse4j.server.deploy.DeployTesting.deployOf;
import static dev.hse4j.server.deploy.DeployTesting.drop;
import static dev.hse4j.server.deploy.DeployTesting.entries;
import static dev.hse4j.server.deploy.DeployTesting.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.JarCompiler;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replacement that cannot be used leaves version 1 serving, the status page says why, the same bad file
 * is not tried again and again, and fixing the file deploys it.
 */
@SuppressWarnings("try")
class DeployRollbackTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> brokenReplacements() {
        return Stream.of(
                Arguments.of("corrupt", (Function<Path, Path>) p -> {
                    try {
                        Files.createDirectories(p.getParent());
                        return FixtureJars.corrupt(p);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "not a valid jar"),
                Arguments.of("getExtensionVersion throws", (Function<Path, Path>) p -> DeployFixtures.probe(p,
                        b -> b.label("v2").onLoad("if (LABEL.length() > 0) throw new IllegalStateException(\"v2 cannot reach its database\");")),
                        "getExtensionVersion threw java.lang.IllegalStateException: v2 cannot reach its database"),
                Arguments.of("getExtensionVersion refuses", (Function<Path, Path>) p -> DeployFixtures.probe(p,
                        b -> b.label("v2").version("ExtensionVersion.refuse(\"v2 needs a licence key\")")),
                        "getExtensionVersion refused: v2 needs a licence key"),
                Arguments.of("name clash", (Function<Path, Path>) p -> DeployFixtures.probe(p,
                        b -> b.label("v2").settings("name = \"other\"")),
                        "the name 'other' is already served by other.jar"),
                Arguments.of("bad settings", (Function<Path, Path>) p -> DeployFixtures.probe(p,
                        b -> b.label("v2").settings("readAheadBytes = -5")),
                        "readAheadBytes = -5 is out of range"),
                Arguments.of("no extension in the jar", (Function<Path, Path>) p -> JarCompiler.create()
                        .source("dev.hse4j.fixtures.DeployNothing", "package dev.hse4j.fixtures; public class DeployNothing {}")
                        .writeTo(p), "no extension in the jar"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenReplacements")
    void brokenReplacementLeavesVersion1ServingAndSaysWhy(String kind, Function<Path, Path> broken, String reason)
            throws Exception {
        Path v1 = DeployFixtures.probe(tmp.resolve("v1/probe.jar"), "v1");
        Path other = DeployFixtures.probe(tmp.resolve("other/other.jar"), "other");
        Path bad = broken.apply(tmp.resolve("bad/probe.jar"));
        Path v2 = DeployFixtures.probe(tmp.resolve("v2/probe.jar"), "v2");
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(v1).jar(other).start()) {
            assertEquals("v1", get(ts, "/ext/probe"));
            assertEquals("other", get(ts, "/ext/other"));

            drop(ts, bad, "probe.jar");
            await().atMost(Duration.ofSeconds(3)).until(() -> !deployOf(ts, "probe.jar").get("ok").asBoolean());
            assertEquals("v1", get(ts, "/ext/probe"), kind + ": version 1 must keep serving");
            JsonNode d = deployOf(ts, "probe.jar");
            assertEquals("redeploy", d.get("action").asText());
            assertTrue(d.get("message").asText().contains(reason), d.toString());
            assertTrue(d.get("message").asText().contains("the previous version keeps serving"), d.toString());
            List<JsonNode> es = entries(ts, "probe");
            assertEquals(1, es.size());
            JsonNode e = es.get(0);
            assertEquals("ACTIVE", e.get("state").asText());
            assertEquals("Deploy probe v1", e.get("description").asText());
            assertFalse(e.get("lastDeploy").get("ok").asBoolean(), "the extension's row shows the failed replacement");
            assertTrue(e.get("lastDeploy").get("message").asText().contains(reason));
            assertEquals("other", get(ts, "/ext/other"), "the other jar is untouched");

            // The same bad file is not tried again at every look.
            long attempts = ts.server().deployer().attempts("probe.jar");
            awaitLooks(ts, 3);
            assertEquals(attempts, ts.server().deployer().attempts("probe.jar"));

            // Fixing the file deploys it.
            drop(ts, v2, "probe.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("v2"));
            // The outcome is recorded just after the new version is installed: wait for it, do not race it.
            await().atMost(Duration.ofSeconds(2)).until(() -> deployOf(ts, "probe.jar").get("ok").asBoolean());
            assertTrue(entries(ts, "probe").get(0).get("lastDeploy").get("ok").asBoolean());
        }
    }

    @Test
    void aJarBlockedByANameClashDeploysOnceTheNameIsFree() throws Exception {
        Path owner = DeployFixtures.probe(tmp.resolve("a/owner.jar"), b -> b.label("owner").settings("name = \"shared\""));
        Path claimant = DeployFixtures.probe(tmp.resolve("b/claimant.jar"), b -> b.label("claimant").settings("name = \"shared\""));
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(owner).start()) {
            assertEquals("owner", get(ts, "/ext/shared"));
            drop(ts, claimant, "claimant.jar");
            await().atMost(Duration.ofSeconds(3)).until(() -> deployOf(ts, "claimant.jar") != null);
            assertFalse(deployOf(ts, "claimant.jar").get("ok").asBoolean());
            assertTrue(deployOf(ts, "claimant.jar").get("message").asText().contains("already served by owner.jar"));
            assertEquals("owner", get(ts, "/ext/shared"));

            Files.delete(ts.extensionsDir().resolve("owner.jar"));
            await().atMost(Duration.ofSeconds(3)).until(() -> get(ts, "/ext/shared").equals("claimant"));
            assertTrue(deployOf(ts, "claimant.jar").get("ok").asBoolean());
        }
    }

    @Test
    void aGetExtensionVersionThatNeverReturnsDoesNotWedgeDeployment() throws Exception {
        Path v1 = DeployFixtures.probe(tmp.resolve("v1/probe.jar"), "v1");
        Path hanging = DeployFixtures.probe(tmp.resolve("h/probe.jar"), b -> b.label("hanging").onLoad("new java.util.concurrent.CountDownLatch(1).await();"));
        Path other = DeployFixtures.probe(tmp.resolve("o/other.jar"), "other");
        Path v2 = DeployFixtures.probe(tmp.resolve("v2/probe.jar"), "v2");
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(v1).start()) {
            ts.server().deployer().loadTimeout(Duration.ofSeconds(1));
            drop(ts, hanging, "probe.jar");
            await().atMost(Duration.ofSeconds(5)).until(() -> !deployOf(ts, "probe.jar").get("ok").asBoolean());
            assertTrue(deployOf(ts, "probe.jar").get("message").asText()
                    .contains("getExtensionVersion did not return within 1000 ms"));
            assertEquals("v1", get(ts, "/ext/probe"));

            // The watcher goes on: another jar deploys, and the fixed file too.
            drop(ts, other, "other.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/other").equals("other"));
            drop(ts, v2, "probe.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/probe").equals("v2"));
        } finally {
            Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("hse4j-load-probe.jar"))
                    .forEach(Thread::interrupt);
        }
    }

    @Test
    void aRedeployThatDropsANameRetiresIt() throws Exception {
        Path v1 = DeployFixtures.probe(tmp.resolve("v1/multi.jar"), b -> b.label("v1").settings("name = \"first\""));
        Path v2 = DeployFixtures.probe(tmp.resolve("v2/multi.jar"), b -> b.label("v2").settings("name = \"second\""));
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(v1).start()) {
            assertEquals("v1", get(ts, "/ext/first"));
            drop(ts, v2, "multi.jar");
            await().atMost(Duration.ofSeconds(2)).until(() -> get(ts, "/ext/second").equals("v2"));
            assertEquals("STATUS 404", get(ts, "/ext/first"), "the name the new version no longer has is gone");
        }
    }
}
