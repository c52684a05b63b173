package dev.hse4j.server.limits;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.LimitsReaderExtension;
import dev.hse4j.fixtures.LimitsWriterExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Minimum data rates: a body trickled below the request rate fails the pending readClient with 1460 and the
 * client gets 408; a client that does not take its response fails the pending writeClient with 1460 and loses
 * the connection, long before the idle timeout; a client that sends less than the read-ahead and stops gets
 * 408 after the read timeout, with no Jetty or Java text.
 */
class MinDataRateTest {

    @TempDir
    Path tmp;

    @Test
    void aBodyTrickledBelowTheRateFailsTheReadWith1460AndTheClientGets408() throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (TestServer s = TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("reader.jar"), LimitsReaderExtension.class))
                // 1000 bytes/s with 1 s of slack; the read timeout (60 s) and idle timeout (30 s) stay far away.
                .config(b -> b.limits(l -> l.withRates(1000, 1000, Duration.ofSeconds(1)))).start();
             RawHttp c = new RawHttp(s.port())) {
            c.socket().setSoTimeout(15_000);
            c.send("POST /ext/reader HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n0123456789");
            // One byte every 200 ms: 5 bytes/s, far below 1000 bytes/s, but often enough for every other timer.
            trickle.scheduleAtFixedRate(() -> {
                try {
                    c.send("x");
                } catch (IOException closed) {
                    // the server gave up on us: that is the point
                }
            }, 200, 200, TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            RawHttp.Reply r = c.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(408, r.status(), r.text());
            assertTrue(ms < 8_000, "the rate, not a 30 s timeout, ended it: " + ms + " ms");
            assertFalse(r.text().contains("Exception") || r.text().contains("Idle timeout"), r.text());
            assertEquals("close", r.header("connection"));
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(s.accessLog()).contains("code=1460"));
            String log = Files.readString(s.accessLog());
            assertTrue(log.contains(" 408 "), log);
            assertTrue(log.contains("write=1460"), "a write after the 408 fails with 1460 too: " + log);
            assertEquals(1, s.server().limitStats().slowBodies());
        } finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void aBodyAtAFairRateIsReadWhole() throws Exception {
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        try (TestServer s = TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("reader.jar"), LimitsReaderExtension.class))
                .config(b -> b.limits(l -> l.withRates(1000, 1000, Duration.ofSeconds(1)))).start();
             RawHttp c = new RawHttp(s.port())) {
            c.send("POST /ext/reader HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
            // 100 bytes every 50 ms: 2000 bytes/s, twice the minimum, over half a second.
            byte[] hundred = new byte[100];
            sender.scheduleAtFixedRate(() -> {
                try {
                    c.send(hundred);
                } catch (IOException e) {
                    // reported by the read below
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            RawHttp.Reply r = c.read();
            assertEquals(200, r.status());
            assertEquals("read=1000 then end", r.text());
        } finally {
            sender.shutdownNow();
        }
    }

    @Test
    void aClientThatDoesNotTakeItsResponseFailsTheWriteWith1460AndIsClosed() throws Exception {
        try (TestServer s = TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("writer.jar"), LimitsWriterExtension.class))
                .config(b -> b.limits(l -> l.withRates(1_000_000, 1_000_000, Duration.ofSeconds(1)))).start();
             RawHttp c = new RawHttp(s.port())) {
            c.socket().setReceiveBufferSize(64 * 1024);
            long t0 = System.nanoTime();
            c.send("GET /ext/writer?mb=256 HTTP/1.1\r\nHost: x\r\n\r\n");
            // Never read: the kernel buffers fill, the server's synchronous write stalls.
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(s.accessLog()).contains("then code="));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String log = Files.readString(s.accessLog());
            assertTrue(log.contains("then code=1460"), log);
            assertTrue(ms < 15_000, "the response rate, not the 30 s idle timeout, ended it: " + ms + " ms");
            assertEquals(1, s.server().limitStats().slowResponses());
            // And the connection is gone: reading what was buffered ends in EOF (or a reset), not in a wait.
            c.socket().setSoTimeout(10_000);
            InputStream in = c.socket().getInputStream();
            byte[] buf = new byte[1 << 16];
            try {
                while (in.read(buf) >= 0) {
                    // drain
                }
            } catch (java.net.SocketException reset) {
                // closed under us: fine
            }
        }
    }

    @Test
    void lessThanTheReadAheadThenSilenceIs408AfterTheReadTimeout() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("echo")
                .config(b -> b.readTimeout(Duration.ofSeconds(1)).limits(l -> l.withRates(0, 0, Duration.ofSeconds(1))))
                .start();
             RawHttp c = new RawHttp(s.port())) {
            c.socket().setSoTimeout(20_000);
            long t0 = System.nanoTime();
            c.send("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a little");
            RawHttp.Reply r = c.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(408, r.status(), r.text());
            assertTrue(ms >= 900 && ms < 8_000, "governed by the 1 s read timeout: " + ms + " ms");
            String text = new String(r.body(), StandardCharsets.UTF_8);
            assertFalse(text.contains("Idle timeout") || text.contains("Exception") || text.contains("java."), text);
        }
    }
}
