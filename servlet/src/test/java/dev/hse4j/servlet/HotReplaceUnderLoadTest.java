package dev.hse4j.servlet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.JarCompiler;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.servlet.ThreeHosts.Host;
import dev.hse4j.servlet.ThreeHosts.Kind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hot replacement under load on each host: 8 keep-alive clients loop (about 3 s) while the jar is replaced 3 times
 * (copied beside it under a dot-name, then renamed over it). Not one request may fail, every response comes whole
 * from one version, no client goes back to an older version, and the last version serves at the end.
 */
class HotReplaceUnderLoadTest {

    static final int CLIENTS = 8;
    static final int REPLACEMENTS = 3;

    @TempDir
    Path tmp;

    static Path version(Path target, int v) {
        String src = """
                package dev.hse4j.fixtures.load;

                import dev.hse4j.api.ExtensionControlBlock;
                import dev.hse4j.api.ExtensionVersion;
                import dev.hse4j.api.HseStatus;
                import dev.hse4j.api.HttpExtension;

                public final class Load implements HttpExtension {
                    @Override
                    public ExtensionVersion getExtensionVersion() {
                        return ExtensionVersion.of("load v%1$d");
                    }

                    @Override
                    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
                        byte[] body = "v%1$d\\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                        ecb.sendResponseHeader("200 OK", "Content-Type: text/plain\\r\\nContent-Length: " + body.length + "\\r\\n");
                        ecb.writeClient(body);
                        return HseStatus.SUCCESS;
                    }
                }
                """.formatted(v);
        return JarCompiler.create().source("dev.hse4j.fixtures.load.Load", src)
                .extension("dev.hse4j.fixtures.load.Load").writeTo(target);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void clientsSeeEveryVersionAndNoFailure(Kind kind) throws Exception {
        List<Path> versions = new ArrayList<>();
        for (int v = 1; v <= REPLACEMENTS + 1; v++) {
            versions.add(version(tmp.resolve("build/v" + v + "/load.jar"), v));
        }
        try (Host h = ThreeHosts.start(kind, tmp.resolve("host"), List.of(), List.of(versions.get(0)))) {
            String url = h.base() + "/ext/load";
            try (RawHttp c = new RawHttp(h.port())) {
                assertEquals("v1\n", c.get(url).text());
            }
            AtomicLong ok = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            Set<String> seen = ConcurrentHashMap.newKeySet();
            // The clients run until every replacement has served, then one second more: on a loaded machine a
            // replacement may take longer to be picked up, and the test waits for it rather than racing a clock.
            AtomicLong deadline = new AtomicLong(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<?>> loops = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    loops.add(pool.submit(() -> clientLoop(h.port(), url, client, deadline, ok, failures, seen)));
                }
                for (int v = 2; v <= REPLACEMENTS + 1; v++) {
                    int version = v;
                    // spread over the run: the clients keep going on the current version meanwhile
                    await().pollDelay(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(() -> true);
                    // each replacement once the previous one serves (or the run ends)
                    Path dot = h.extensionsDir().resolve(".load.jar.part");
                    Files.copy(versions.get(v - 1), dot, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(dot, h.extensionsDir().resolve("load.jar"), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                    await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("v" + version));
                }
                deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                for (Future<?> f : loops) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(failures.isEmpty(), kind + ": " + failures.size() + " failed requests (of "
                    + (ok.get() + failures.size()) + "), first: " + failures.stream().limit(5).toList());
            Set<String> all = new TreeSet<>();
            for (int v = 1; v <= REPLACEMENTS + 1; v++) {
                all.add("v" + v);
            }
            assertEquals(all, new TreeSet<>(seen), "every version served some requests");
            assertTrue(ok.get() > 100, "the load was real: " + ok.get() + " requests");
            try (RawHttp c = new RawHttp(h.port())) {
                assertEquals("v" + (REPLACEMENTS + 1) + "\n", c.get(url).text());
            }
            // Every replaced version drained and was unloaded.
            await().atMost(Duration.ofSeconds(15)).until(() -> h.registry().retiring().isEmpty());
            System.out.printf("%s: hot replace under load: %d requests, 0 failed, %d clients, %d replacements%n",
                    kind, ok.get(), CLIENTS, REPLACEMENTS);
        }
    }

    private static void clientLoop(int port, String url, int client, AtomicLong deadline, AtomicLong ok,
                                   ConcurrentLinkedQueue<String> failures, Set<String> seen) {
        int newest = 1;
        RawHttp c = null;
        try {
            while (System.nanoTime() < deadline.get()) {
                try {
                    if (c == null) {
                        c = new RawHttp(port);
                    }
                    RawHttp.Reply r = c.get(url);
                    String body = r.text();
                    if (r.status() != 200 || !body.matches("v[1-9]\n")) {
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
                    if ("close".equalsIgnoreCase(r.header("connection"))) {
                        // the server announced the end of this connection (Tomcat: maxKeepAliveRequests, 100)
                        c.close();
                        c = null;
                    }
                } catch (Exception e) {
                    failures.add("client " + client + ": " + e);
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // closing
                    }
                    c = null;
                }
            }
        } finally {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing
                }
            }
        }
    }
}
