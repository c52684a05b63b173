package dev.hse4j.server.startup;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.SlowStartExtension;
import dev.hse4j.server.Hse4jServer;
import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.deploy.ShadowDirectory;
import dev.hse4j.server.testing.FixtureJars;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 6, in one process: the ports open before the extensions load, jars load several at a time
 * (one slow getExtensionVersion holds up nobody else), a name still loading answers 503 with Retry-After and
 * status.json says it is loading; each server has its own shadow directory and cleans only stale ones.
 */
class StartupTest {

    @TempDir
    Path tmp;

    final HttpClient client = HttpClient.newHttpClient();
    final CompletableFuture<Void> gate = new CompletableFuture<>();

    @AfterEach
    void openGate() {
        gate.complete(null);
        System.getProperties().remove(SlowStartExtension.GATE);
    }

    ServerConfig.Builder config(Path root) throws Exception {
        return ServerConfig.builder().host("127.0.0.1").httpPort(0).tls(null)
                .extensionsDir(Files.createDirectories(root.resolve("extensions")))
                .webroot(Path.of(System.getProperty("hse4j.webroot", "../webroot")))
                .workDir(root.resolve("work")).accessLog(null);
    }

    HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void portsOpenFirstSlowJarHoldsUpNobodyAndAnswers503WhileLoading() throws Exception {
        System.getProperties().put(SlowStartExtension.GATE, gate);
        Path ext = Files.createDirectories(tmp.resolve("extensions"));
        // "aaa-slow" sorts first: loading one at a time in name order would hold up the others.
        FixtureJars.jarOf(ext.resolve("aaa-slow.jar"), SlowStartExtension.class);
        for (String s : new String[] {"hello", "echo", "vars", "clock"}) {
            Files.copy(FixtureJars.sample(s), ext.resolve(s + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
        try (Hse4jServer server = new Hse4jServer(config(tmp).build())) {
            CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                try {
                    server.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> server.httpPort() > 0);
            int port = server.httpPort();
            // The port answers while a getExtensionVersion is still running.
            assertEquals(200, get(port, "/hse/health").statusCode());
            // Every other jar loads meanwhile.
            await().atMost(Duration.ofSeconds(20)).until(() -> get(port, "/ext/hello").statusCode() == 200);
            for (String s : new String[] {"echo", "vars", "clock"}) {
                await().atMost(Duration.ofSeconds(20)).until(() -> get(port, "/ext/" + s).statusCode() != 503);
            }
            HttpResponse<String> loading = get(port, "/ext/aaa-slow");
            assertEquals(503, loading.statusCode());
            assertEquals("1", loading.headers().firstValue("Retry-After").orElse(null));
            assertTrue(loading.body().contains("loading"), loading.body());
            JsonNode dep = new ObjectMapper().readTree(get(port, "/hse/status.json").body()).get("deployment");
            assertTrue(dep.get("starting").asBoolean());
            assertEquals("aaa-slow.jar", dep.get("loading").get(0).asText(), dep.toString());
            assertFalse(started.isDone(), "start() returns once every jar is loaded");

            gate.complete(null);
            started.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("slow", get(port, "/ext/aaa-slow").body());
            dep = new ObjectMapper().readTree(get(port, "/hse/status.json").body()).get("deployment");
            assertFalse(dep.get("starting").asBoolean());
            assertEquals(0, dep.get("loading").size());
            // After start-up, a name nothing serves is a plain 404 again.
            assertEquals(404, get(port, "/ext/nothing-here").statusCode());
        }
    }

    @Test
    void eachServerHasItsOwnShadowDirectoryAndCleansOnlyStaleOnes() throws Exception {
        Path shadowBase = tmp.resolve("work/shadow");
        // A directory left by a process that is gone: its lock file exists but nobody holds it.
        Path stale = Files.createDirectories(shadowBase.resolve("999999-1-deadbeef"));
        Files.createFile(stale.resolve(".owner.lock"));
        Files.writeString(stale.resolve("hello-1-abc.jar"), "left over");
        // A directory of a live process (another process would hold the lock: simulated by a child that holds it).
        Path live = Files.createDirectories(shadowBase.resolve("888888-1-cafe"));
        Path liveLock = live.resolve(".owner.lock");
        Files.createFile(liveLock);
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldLock.class.getName(), liveLock.toString()).redirectErrorStream(true).start();
        try {
            assertEquals('L', holder.getInputStream().read(), "the child holds the lock");
            // A lock-less directory younger than a minute may be being created: kept; an old one is not.
            Path young = Files.createDirectories(shadowBase.resolve("777777-1-young"));
            Path old = Files.createDirectories(shadowBase.resolve("666666-1-old"));
            Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

            Path ext = Files.createDirectories(tmp.resolve("extensions"));
            Files.copy(FixtureJars.sample("hello"), ext.resolve("hello.jar"));
            try (Hse4jServer a = new Hse4jServer(config(tmp).build()).start();
                 Hse4jServer b = new Hse4jServer(config(tmp).build()).start()) {
                assertTrue(a.shadowDir().startsWith(shadowBase) && b.shadowDir().startsWith(shadowBase));
                assertFalse(a.shadowDir().equals(b.shadowDir()));
                assertTrue(Files.isDirectory(a.shadowDir()), "b's start left a's directory alone");
                try (var s = Files.list(a.shadowDir())) {
                    assertEquals(1, s.filter(p -> p.toString().endsWith(".jar")).count());
                }
                assertEquals(200, get(a.httpPort(), "/ext/hello").statusCode());
                assertFalse(Files.exists(stale), "a stale directory is deleted");
                assertFalse(Files.exists(old), "an old lock-less directory is deleted");
                assertTrue(Files.exists(live), "a live process's directory is kept");
                assertTrue(Files.exists(young), "a young lock-less directory is kept");
                Path aDir = a.shadowDir();
                a.close();
                assertFalse(Files.exists(aDir), "a server deletes its own directory at stop");
                assertTrue(Files.isDirectory(b.shadowDir()));
            }
        } finally {
            holder.destroy();
            holder.waitFor();
        }
        // Once the holder is gone, its directory is stale.
        try (FileChannel ch = FileChannel.open(live.resolve(".owner.lock"), StandardOpenOption.WRITE)) {
            assertTrue(ch.tryLock() != null);
        }
        ShadowDirectory next = new ShadowDirectory(shadowBase);
        next.claim();
        assertFalse(Files.exists(live));
        next.close();
    }
}
