package dev.hse4j.server.limits;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request-head timeout: a head trickled a byte at a time (every byte resets the idle timeout) is answered
 * 408 and closed when it is not complete in time; a connection that sends nothing likewise; a kept-alive
 * connection waiting between requests is not (that is the idle timeout's business).
 */
class HeaderTimeoutTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp).samples("hello")
                .config(b -> b.limits(l -> l.withHeaderTimeout(Duration.ofMillis(1500)))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aHeadTrickledByteByByteIsClosedWith408() throws Exception {
        byte[] head = "GET /ext/hello HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris slowloris slowloris\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (RawHttp c = new RawHttp(server.port())) {
            c.socket().setSoTimeout(20_000);
            AtomicInteger sent = new AtomicInteger();
            // One byte every 100 ms: the whole head would take about 8 s.
            trickle.scheduleAtFixedRate(() -> {
                int i = sent.get();
                if (i < head.length) {
                    try {
                        c.send(new byte[] {head[i]});
                        sent.incrementAndGet();
                    } catch (IOException closed) {
                        // closed by the server
                    }
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            RawHttp.Reply r = c.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(408, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(ms >= 1_200 && ms < 6_000, "closed at the 1.5 s head timeout: " + ms + " ms");
            assertTrue(sent.get() < head.length, "the head never completed (" + sent.get() + " bytes)");
            assertTrue(c.closedByServer());
        } finally {
            trickle.shutdownNow();
        }
        assertTrue(server.server().limitStats().headTimeouts() >= 1);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHeadTimeout() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.socket().setSoTimeout(20_000);
            long t0 = System.nanoTime();
            RawHttp.Reply r = c.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(408, r.status());
            assertTrue(ms < 6_000, "not the 30 s idle timeout: " + ms + " ms");
        }
    }

    @Test
    void aKeptAliveConnectionMayWaitBetweenRequests() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            assertEquals(200, c.get("/ext/hello").status());
            // Idle between requests for longer than the head timeout: not a slow head.
            await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> true);
            assertEquals(200, c.get("/ext/hello").status());
            assertEquals(200, c.get("/index.html").status());
        }
    }
}
