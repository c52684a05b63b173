package dev.hse4j.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.AsyncProbeExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where extension calls run, proven on the packaged server in a child JVM: on Temurin 25 virtual threads are
 * the default (and hold up 250 requests parked in readClient with a 16-thread pool and no bulkhead),
 * {@code --platform-threads} forces platform threads; on this JDK (17) {@code --virtual-threads} falls back
 * with exactly one warning. Tests needing Temurin 25 are skipped, saying so, where it is not installed.
 */
class ThreadModeIT {

    static final Path JAR = Path.of("target/hse4j-server.jar");
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+/)");

    @TempDir
    Path tmp;

    /** A server process, its base URI and every line it printed so far. */
    record Running(Process process, URI base, List<String> lines) implements AutoCloseable {
        int port() {
            return base.getPort();
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    Running start(String java, String... flags) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run through Maven's integration-test phase (after package)");
        Path ext = Files.createDirectories(tmp.resolve("ext-" + System.nanoTime()));
        Files.copy(FixtureJars.sample("hello"), ext.resolve("hello.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(FixtureJars.sample("echo"), ext.resolve("echo.jar"), StandardCopyOption.REPLACE_EXISTING);
        FixtureJars.jarOf(ext.resolve("probe.jar"), AsyncProbeExtension.class);
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", JAR.toAbsolutePath().toString(), "--port", "0",
                "--host", "127.0.0.1", "--extensions", ext.toString(), "--work-dir", tmp.resolve("work").toString(),
                "--access-log", "none", "--webroot", System.getProperty("hse4j.webroot"), "--no-https"));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<URI> base = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                URI listening = null;
                while ((line = r.readLine()) != null) {
                    System.out.println("[server] " + line);
                    lines.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        listening = URI.create(m.group(1));
                    }
                    // Only once the extensions are loaded: before that their URLs answer 503 (loading).
                    if (listening != null && line.contains("hse4j ready")) {
                        base.complete(listening);
                    }
                }
            } catch (Exception e) {
                base.completeExceptionally(e);
            }
            base.completeExceptionally(new IllegalStateException("server exited before listening"));
        });
        pump.setDaemon(true);
        pump.start();
        return new Running(p, base.get(90, TimeUnit.SECONDS), lines);
    }

    static String get(Running s, String path) throws Exception {
        try (RawHttp c = new RawHttp(s.port())) {
            c.socket().setSoTimeout(20_000);
            RawHttp.Reply r = c.get(path);
            assertEquals(200, r.status(), path);
            return r.text();
        }
    }

    static void requireJdk25() {
        Assumptions.assumeTrue(Files.isExecutable(JDK25), "Temurin 25 is not installed at " + JDK25
                + ": the virtual-thread path cannot be run on this machine");
    }

    @Test
    void virtualThreadsAreTheDefaultOnJava25() throws Exception {
        requireJdk25();
        try (Running s = start(JDK25.toString())) {
            assertEquals("virtual=true", get(s, "/ext/probe?op=thread"));
            assertTrue(get(s, "/hse/status.json").contains("\"threads\" : \"virtual\""));
        }
    }

    @Test
    void platformThreadsCanBeForcedOnJava25() throws Exception {
        requireJdk25();
        try (Running s = start(JDK25.toString(), "--platform-threads")) {
            assertEquals("virtual=false", get(s, "/ext/probe?op=thread"));
        }
    }

    @Test
    void onJava25ParkedRequestsDoNotExhaustASmallPool() throws Exception {
        requireJdk25();
        // 16 platform threads, no bulkhead, no rates: only virtual threads stand between 250 parked requests
        // and the rest of the server.
        try (Running s = start(JDK25.toString(), "--threads", "16", "--max-concurrent-requests", "0",
                "--min-request-rate", "0", "--min-response-rate", "0")) {
            List<Socket> parked = new ArrayList<>();
            try {
                byte[] part = new byte[50_000]; // past the 48 KB read-ahead: echo runs and blocks in readClient
                for (int i = 0; i < 250; i++) {
                    Socket c = new Socket("127.0.0.1", s.port());
                    c.getOutputStream().write(("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().write(part);
                    parked.add(c);
                }
                // Each parked echo has answered its headers and first 48 KB: it runs, blocked in readClient.
                for (Socket c : parked) {
                    c.setSoTimeout(30_000);
                    byte[] head = c.getInputStream().readNBytes(12);
                    assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
                }
                for (String path : new String[] {"/hse/health", "/index.html", "/ext/hello"}) {
                    long t0 = System.nanoTime();
                    get(s, path);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(ms < 1_000, path + " took " + ms + " ms with 250 requests parked");
                }
            } finally {
                for (Socket c : parked) {
                    c.close();
                }
            }
        }
    }

    @Test
    void onJava17VirtualThreadsFallBackWithOneWarning() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() < 21, "this JVM has virtual threads");
        try (Running s = start(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--virtual-threads")) {
            assertEquals("virtual=false", get(s, "/ext/probe?op=thread"));
            long warnings;
            synchronized (s.lines()) {
                warnings = s.lines().stream().filter(l -> l.contains("virtual threads")).count();
            }
            assertEquals(1, warnings, "the fallback is said once: " + s.lines());
        }
    }
}
