package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.awaitLooks;
import static dev.hse4j.server.deploy.DeployTesting.deployOf;
import static dev.hse4j.server.deploy.DeployTesting.drop;
import static dev.hse4j.server.deploy.DeployTesting.entries;
import static dev.hse4j.server.deploy.DeployTesting.get;
import static dev.hse4j.server.deploy.DeployTesting.overwrite;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher with its default settings (500 ms looks): new jars serve within 2 s, replaced jars serve the
 * new code, removed jars answer 404, temporary names are ignored, a jar written slowly is never loaded
 * half-written, and the server only ever reads its own shadow copies.
 */
class DeployWatcherTest {

    @TempDir
    Path tmp;
    TestServer ts;
    Path v1;
    Path v2;

    @BeforeEach
    void start() throws Exception {
        DeployFixtures.events().clear();
        v1 = DeployFixtures.probe(tmp.resolve("build/v1.jar"), "v1");
        v2 = DeployFixtures.probe(tmp.resolve("build/v2.jar"), "v2");
        ts = TestServer.builder(tmp.resolve("server")).start();
    }

    @AfterEach
    void stop() throws Exception {
        ts.close();
    }

    @Test
    void newJarServesWithinTwoSecondsOfBeingComplete() {
        assertEquals("STATUS 404", get(ts, "/ext/probe"));
        long complete = System.nanoTime();
        drop(ts, v1, "probe.jar");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> get(ts, "/ext/probe").equals("v1"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - complete);
        assertTrue(ms < 2000, "served after " + ms + " ms");
        await().atMost(Duration.ofSeconds(10)).until(() -> entries(ts, "probe").get(0).has("lastDeploy"));
        JsonNode e = entries(ts, "probe").get(0);
        assertEquals("ACTIVE", e.get("state").asText());
        assertEquals("probe.jar", e.get("jar").asText());
        assertEquals("Deploy probe v1", e.get("description").asText());
        assertTrue(e.get("lastDeploy").get("ok").asBoolean());
    }

    @Test
    void replacedJarServesTheNewCodeNotACachedOldOne() throws Exception {
        drop(ts, v1, "probe.jar");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v1"));
        assertEquals("v1 lazy", get(ts, "/ext/probe?lazy"));

        overwrite(ts, v2, "probe.jar"); // in place, as a plain cp does
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> get(ts, "/ext/probe").equals("v2"));
        // A class already loaded by v1 and one first loaded now: both are v2's.
        assertEquals("v2 lazy", get(ts, "/ext/probe?lazy"));
        JsonNode d = deployOf(ts, "probe.jar");
        assertEquals("redeploy", d.get("action").asText());
        assertTrue(d.get("ok").asBoolean(), d.toString());

        // v1 drains (nothing in flight) and is unloaded: ADVISORY, loader closed, shadow copy deleted.
        await().atMost(Duration.ofSeconds(5)).until(() -> DeployFixtures.events().contains("v1 ADVISORY")
                && entries(ts, "probe").size() == 1);
        try (Stream<Path> shadows = Files.list(ts.server().shadowDir()).filter(p -> !p.getFileName().toString().startsWith("."))) {
            assertEquals(1, shadows.count(), "only the serving version's shadow copy is left");
        }
        drop(ts, v1, "probe.jar"); // and back, by rename this time
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v1"));
    }

    @Test
    void removedJarDrainsAndAnswers404() throws Exception {
        drop(ts, v1, "probe.jar");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v1"));
        Files.delete(ts.extensionsDir().resolve("probe.jar"));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> get(ts, "/ext/probe").equals("STATUS 404"));
        // The outcome is recorded right after the name stops serving: wait for it rather than race it.
        await().atMost(Duration.ofSeconds(10)).until(() -> "remove".equals(deployOf(ts, "probe.jar").get("action").asText()));
        JsonNode d = deployOf(ts, "probe.jar");
        assertTrue(d.get("message").asText().contains("/ext/probe"), d.toString());
        await().atMost(Duration.ofSeconds(5)).until(() -> entries(ts, "probe").isEmpty());
        assertTrue(DeployFixtures.events().contains("v1 ADVISORY"));
    }

    @Test
    void dotFilesAndTemporaryNamesAreIgnored() throws Exception {
        for (String name : List.of(".probe.jar", "probe.jar.part", "probe.jar.tmp", "~probe.jar", "#probe.jar#",
                "probe.jar~", ".jar")) {
            Files.copy(v1, ts.extensionsDir().resolve(name));
        }
        awaitLooks(ts, 3);
        assertEquals("STATUS 404", get(ts, "/ext/probe"));
        assertTrue(DeployTesting.status(ts).get("deploys").isEmpty());
        // The documented way: copy under a dot-name, then rename.
        Files.move(ts.extensionsDir().resolve(".probe.jar"), ts.extensionsDir().resolve("probe.jar"));
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v1"));
    }

    @Test
    void jarWrittenSlowlyInPiecesIsNeverLoadedHalfWritten() throws Exception {
        drop(ts, v1, "probe.jar");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v1"));
        long attemptsBefore = ts.server().deployer().attempts("probe.jar");

        // v2 written over v1 in 12 pieces, 150 ms apart (< one look): ~1.8 s of a changing file.
        byte[] bytes = Files.readAllBytes(v2);
        int pieces = 12;
        AtomicInteger written = new AtomicInteger();
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        FileChannel ch = FileChannel.open(ts.extensionsDir().resolve("probe.jar"), StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            writer.scheduleAtFixedRate(() -> {
                int i = written.get();
                if (i >= pieces) {
                    return;
                }
                int from = bytes.length * i / pieces;
                int to = bytes.length * (i + 1) / pieces;
                try {
                    ch.write(ByteBuffer.wrap(bytes, from, to - from));
                    if (i + 1 == pieces) {
                        ch.close();
                    }
                } catch (IOException e) {
                    writerFailed.set(e);
                }
                written.incrementAndGet();
            }, 0, 150, TimeUnit.MILLISECONDS);
            // While the file changes: v1 serves, and no load is even attempted.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(40)).until(() -> {
                assertEquals(attemptsBefore, ts.server().deployer().attempts("probe.jar"),
                        "a load was attempted after " + written.get() + " of " + pieces + " pieces");
                assertEquals("v1", get(ts, "/ext/probe"));
                return written.get() >= pieces;
            });
        } finally {
            writer.shutdownNow();
            ch.close();
        }
        assertNull(writerFailed.get());
        long complete = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> get(ts, "/ext/probe").equals("v2"));
        assertTrue(System.nanoTime() - complete < TimeUnit.SECONDS.toNanos(2));
        assertEquals(attemptsBefore + 1, ts.server().deployer().attempts("probe.jar"), "exactly one load, of the whole jar");
        await().atMost(Duration.ofSeconds(10)).until(() -> deployOf(ts, "probe.jar").get("ok").asBoolean());
    }

    @Test
    void jarLeftHalfWrittenForLongIsRejectedNotServedAndLoadedWhenComplete() throws Exception {
        drop(ts, v1, "probe.jar");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v1"));
        byte[] bytes = Files.readAllBytes(v2);
        Path target = ts.extensionsDir().resolve("probe.jar");
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(bytes, 0, bytes.length / 2));
            // The writer stalls for several looks: the half file is stable, so it is tried, and refused.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                JsonNode d = deployOf(ts, "probe.jar");
                return d != null && !d.get("ok").asBoolean();
            });
            assertEquals("v1", get(ts, "/ext/probe"), "the half-written jar never serves");
            JsonNode d = deployOf(ts, "probe.jar");
            assertTrue(d.get("message").asText().contains("not a valid jar"), d.toString());
            assertTrue(d.get("message").asText().contains("previous version keeps serving"), d.toString());
            ch.write(ByteBuffer.wrap(bytes, bytes.length / 2, bytes.length - bytes.length / 2));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v2"));
        // The outcome is recorded just after the new version starts serving: wait for it, do not race it.
        await().atMost(Duration.ofSeconds(10)).until(() -> deployOf(ts, "probe.jar").get("ok").asBoolean());
    }

    @Test
    void theServerLoadsAShadowCopyNeverTheWatchedFile() throws Exception {
        drop(ts, v1, "probe.jar");
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ts, "/ext/probe").equals("v1"));
        Deployment d = ts.server().registry().serving("probe");
        URL[] urls = ((URLClassLoader) d.classLoader()).getURLs();
        assertEquals(1, urls.length);
        Path loaded = Path.of(urls[0].toURI());
        assertTrue(loaded.startsWith(ts.root().resolve("work/shadow")), loaded.toString());
        assertFalse(loaded.startsWith(ts.extensionsDir()));

        // Wreck the watched file: v1 still loads a class it never used before, from its copy.
        Files.write(ts.extensionsDir().resolve("probe.jar"), new byte[] {'P', 'K', 0, 0, 1, 2, 3});
        assertEquals("v1 lazy", get(ts, "/ext/probe?lazy"));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode o = deployOf(ts, "probe.jar");
            return o != null && !o.get("ok").asBoolean();
        });
        assertEquals("v1", get(ts, "/ext/probe"));
    }

    @Test
    void statusReportsTheWatcher() {
        JsonNode dep = DeployTesting.status(ts).get("deployment");
        assertTrue(dep.get("watch").asBoolean());
        assertEquals(500, dep.get("scanIntervalMs").asInt());
        assertEquals(ts.extensionsDir().toAbsolutePath().toString(), dep.get("dir").asText());
    }
}
