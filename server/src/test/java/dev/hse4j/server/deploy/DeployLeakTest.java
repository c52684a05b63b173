package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leak watch: after 100 deploy/replace cycles and a GC, no retired class loader is left, and heap,
 * metaspace and the loaded-class count stay flat; an extension that does leak (a thread it never stops) is
 * named on the status page until its thread ends.
 */
@SuppressWarnings("try")
class DeployLeakTest {

    private static final int CYCLES = 100;
    private static final int WARM_UP = 20;
    private static final int NESTED = 40;

    @TempDir
    Path tmp;

    /** A library bundled in the jar: 1 MiB of heap and 40 classes per loaded version, so a leak shows. */
    private static String ballast() {
        StringBuilder nested = new StringBuilder();
        StringBuilder touch = new StringBuilder();
        for (int i = 0; i < NESTED; i++) {
            nested.append("    static final class N").append(i).append(" { static int v() { return ").append(i)
                    .append("; } }\n");
            touch.append("        s += N").append(i).append(".v();\n");
        }
        return "package deploylib;\n\npublic final class Ballast {\n"
                + "    static final byte[] DATA = new byte[1 << 20];\n"
                + nested
                + "    public static int touch() {\n        int s = DATA.length;\n" + touch + "        return s;\n    }\n}\n";
    }

    private Path jar(String label, String onLoad) {
        return DeployFixtures.probe(tmp.resolve("build/" + label + "/leak.jar"), b -> b.label(label)
                .onLoad("deploylib.Ballast.touch();" + onLoad).extraSource("deploylib.Ballast", ballast()));
    }

    private static void deploy(TestServer ts, Path jar, String name) throws Exception {
        Path target = ts.extensionsDir().resolve(name);
        Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(ts.server().deployer().deploy(target), () -> ts.server().deployer().outcome(name).toString());
    }

    private static int notCollectedAfterGc(TestServer ts) {
        System.gc();
        return ts.server().registry().retirement().leakWatch().notCollected().size();
    }

    private static long heapUsedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long metaspaceUsed() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getName().equals("Metaspace")) {
                return p.getUsage().getUsed();
            }
        }
        throw new IllegalStateException("no Metaspace pool");
    }

    @Test
    void hundredDeployReplaceCyclesLeaveNoRetiredLoaderAndFlatMemory() throws Exception {
        Path a = jar("a", "");
        Path b = jar("b", "");
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).config(c -> c.watch(false)).start()) {
            long baseHeap = 0;
            long baseMeta = 0;
            long baseClasses = 0;
            for (int i = 1; i <= CYCLES; i++) {
                String label = i % 2 == 1 ? "a" : "b";
                deploy(ts, i % 2 == 1 ? a : b, "leak.jar");
                assertEquals(label, get(ts, "/ext/leak"), "cycle " + i);
                if (i == WARM_UP) {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                            .until(() -> notCollectedAfterGc(ts) == 0);
                    baseHeap = heapUsedAfterGc();
                    baseMeta = metaspaceUsed();
                    baseClasses = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
                }
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> notCollectedAfterGc(ts) == 0);
            JsonNode rl = DeployTesting.status(ts).get("retiredLoaders");
            assertEquals(0, rl.get("notCollected").asInt(), rl.toString());
            assertTrue(rl.get("closed").asLong() >= CYCLES - 1, rl.toString());

            long heapGrowth = heapUsedAfterGc() - baseHeap;
            long metaGrowth = metaspaceUsed() - baseMeta;
            long classGrowth = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount() - baseClasses;
            System.out.printf("after %d cycles: heap %+d KiB, metaspace %+d KiB, loaded classes %+d%n", CYCLES,
                    heapGrowth / 1024, metaGrowth / 1024, classGrowth);
            // 80 leaked versions would hold 80 MiB of heap and 80 x 42 classes.
            assertTrue(heapGrowth < 24L << 20, "heap grew by " + heapGrowth / 1024 + " KiB");
            assertTrue(classGrowth < 400, "loaded classes grew by " + classGrowth);
            assertTrue(metaGrowth < 8L << 20, "metaspace grew by " + metaGrowth / 1024 + " KiB");
            try (var shadows = Files.list(ts.server().shadowDir()).filter(p -> !p.getFileName().toString().startsWith("."))) {
                assertEquals(1, shadows.count(), "one shadow copy: the serving version's");
            }
        }
    }

    @Test
    void anExtensionThatLeaksItsLoaderIsNamedOnTheStatusPage() throws Exception {
        Path leaky = jar("leaky", """
                Thread t = new Thread(() -> {
                    try {
                        new java.util.concurrent.CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        // asked to stop
                    }
                }, "deploy-leaky-thread");
                t.setDaemon(true);
                t.start();
                """);
        Path control = jar("control", "");
        Path fine = jar("fine", "");
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).config(c -> c.watch(false)).start()) {
            deploy(ts, leaky, "leaky.jar");
            deploy(ts, control, "control.jar");
            assertEquals("leaky", get(ts, "/ext/leaky"));
            deploy(ts, fine, "leaky.jar");   // replaces the leaky version: its thread lives on
            deploy(ts, fine, "control.jar"); // replaces a well-behaved one
            assertEquals("fine", get(ts, "/ext/leaky"));

            // Once the well-behaved version's loader is collected, the leaky one is the one left.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                System.gc();
                List<LeakWatch.Retired> left = ts.server().registry().retirement().leakWatch().notCollected();
                return left.size() == 1 && left.get(0).jar().equals("leaky.jar");
            });
            JsonNode rl = DeployTesting.status(ts).get("retiredLoaders");
            assertEquals(1, rl.get("notCollected").asInt());
            JsonNode l = rl.get("loaders").get(0);
            assertEquals("leaky.jar", l.get("jar").asText());
            assertEquals("leaky", l.get("extensions").get(0).asText());
            assertEquals("Deploy probe leaky", l.get("description").asText());

            // Stop the thread: the loader can go, and the status notices.
            Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("deploy-leaky-thread"))
                    .forEach(Thread::interrupt);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> notCollectedAfterGc(ts) == 0);
            assertEquals(0, DeployTesting.status(ts).get("retiredLoaders").get("notCollected").asInt());
        }
    }
}
