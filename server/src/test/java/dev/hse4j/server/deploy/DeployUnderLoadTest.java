package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.drop;
import static dev.hse4j.server.deploy.DeployTesting.entries;
import static dev.hse4j.server.deploy.DeployTesting.get;
import static dev.hse4j.server.deploy.DeployTesting.overwrite;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redeploy under load: 20 clients loop on keep-alive connections for 20 s while the jar is replaced 10
 * times (by rename and by in-place overwrite, alternately). Not one request may fail, and every response
 * must come whole from exactly one version; a client never goes back to an older version once it has seen
 * a newer one.
 */
@SuppressWarnings("try")
class DeployUnderLoadTest {

    private static final int CLIENTS = 20;
    private static final int REPLACEMENTS = 10;
    private static final long RUN_MILLIS = 20_000;

    @TempDir
    Path tmp;

    @Test
    void twentyClientsTwentySecondsTenReplacementsZeroFailures() throws Exception {
        DeployFixtures.events().clear();
        List<Path> versions = new ArrayList<>();
        for (int v = 1; v <= REPLACEMENTS + 1; v++) {
            versions.add(DeployFixtures.probe(tmp.resolve("build/v" + v + "/load.jar"), "v" + v));
        }
        try (TestServer ts = TestServer.builder(tmp.resolve("server")).jar(versions.get(0)).start()) {
            assertEquals("v1", get(ts, "/ext/load"));
            AtomicLong ok = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);

            ScheduledExecutorService replacer = Executors.newSingleThreadScheduledExecutor();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                // Replacements at 0.5 s, 2.3 s, ... 16.7 s: each has time to take over before the run ends.
                List<Future<?>> swaps = new ArrayList<>();
                for (int i = 1; i <= REPLACEMENTS; i++) {
                    Path next = versions.get(i);
                    boolean byRename = i % 2 == 0;
                    swaps.add(replacer.schedule(() -> byRename ? drop(ts, next, "load.jar") : overwrite(ts, next, "load.jar"),
                            500 + (i - 1) * 1800L, TimeUnit.MILLISECONDS));
                }
                List<Future<?>> loops = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    loops.add(clients.submit(() -> clientLoop(ts.port(), client, deadline, ok, failures, seen)));
                }
                for (Future<?> f : loops) {
                    f.get(RUN_MILLIS + 30_000, TimeUnit.MILLISECONDS);
                }
                for (Future<?> f : swaps) {
                    f.get(); // each replacement was written
                }
            } finally {
                replacer.shutdownNow();
                clients.shutdownNow();
            }

            assertTrue(failures.isEmpty(), failures.size() + " failed requests (of " + (ok.get() + failures.size())
                    + "), first: " + failures.stream().limit(5).toList());
            Set<String> all = new TreeSet<>();
            for (int v = 1; v <= REPLACEMENTS + 1; v++) {
                all.add("v" + v);
            }
            assertEquals(all, new TreeSet<>(seen), "every version served some requests");
            assertEquals("v" + (REPLACEMENTS + 1), get(ts, "/ext/load"));
            System.out.printf("redeploy under load: %d requests, 0 failed, %d clients, %d replacements%n", ok.get(),
                    CLIENTS, REPLACEMENTS);

            // Every old version drained and was unloaded.
            await().atMost(Duration.ofSeconds(10)).until(() -> entries(ts, "load").size() == 1);
            for (int v = 1; v <= REPLACEMENTS; v++) {
                assertTrue(DeployFixtures.events().contains("v" + v + " ADVISORY"), "v" + v + " terminated");
            }
        }
    }

    private static void clientLoop(int port, int client, long deadline, AtomicLong ok,
                                   ConcurrentLinkedQueue<String> failures, Set<String> seen) {
        int newest = 1;
        RawHttp c = null;
        try {
            while (System.nanoTime() < deadline) {
                try {
                    if (c == null) {
                        c = new RawHttp(port);
                    }
                    RawHttp.Reply r = c.get("/ext/load");
                    String body = r.text();
                    if (r.status() != 200 || !body.matches("v([1-9]|1[01])\n")) {
                        failures.add("client " + client + ": " + r.status() + " '" + body + "'");
                        continue;
                    }
                    int v = Integer.parseInt(body.substring(1, body.length() - 1));
                    if (v < newest) {
                        failures.add("client " + client + ": went back from v" + newest + " to v" + v);
                    }
                    newest = Math.max(newest, v);
                    seen.add("v" + v);
                    ok.incrementAndGet();
                } catch (Exception e) {
                    failures.add("client " + client + ": " + e);
                    closeQuietly(c);
                    c = null;
                }
            }
        } finally {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(RawHttp c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing
            }
        }
    }
}
