package dev.hse4j.server.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.OpsConfig;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * Issue 13: the grace period is on by default and long enough for a balancer's health check to notice
 * (HAProxy's {@code inter 1s fall 2} needs about 2 s): after the drain starts, /hse/ready answers 503 while
 * requests are still served for the default 5 s, and only then does the server stop accepting.
 */
class DefaultGracePeriodTest {

    @TempDir
    Path tmp;

    /** @return the status code of one request on a connection of its own, or -1 if nothing answered */
    private static int status(int port, String path) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            return head.length == 12 ? Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Test
    void theDefaultIsFiveSecondsOnTheCommandLineAndInTheConfiguration() {
        OpsOptions o = new OpsOptions();
        CommandLine cl = new CommandLine(o);
        cl.parseArgs();
        assertEquals(Duration.ofSeconds(5), o.toConfig().gracePeriod());
        assertEquals(Duration.ofSeconds(5), OpsConfig.defaults().gracePeriod());
        assertTrue(cl.getUsageMessage().contains("(default: 5.0)"), cl.getUsageMessage());
        cl.parseArgs("--grace-period", "0.25");
        assertEquals(Duration.ofMillis(250), o.toConfig().gracePeriod());
    }

    @Test
    void afterTheSignalTheNodeIsNotReadyButServesForTheGracePeriod() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("hello").start()) {
            int port = s.port();
            assertEquals(200, status(port, "/hse/ready"));
            long t0 = System.nanoTime();
            s.server().drainAndStop("test");
            await().atMost(Duration.ofSeconds(2)).until(() -> status(port, "/hse/ready") == 503);
            // Served throughout (a balancer checking every second has time to take the node out)...
            List<Integer> seen = new CopyOnWriteArrayList<>();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
                int st = status(port, "/ext/hello");
                seen.add(st);
                return st != 200 || System.nanoTime() - t0 > 3_500_000_000L;
            });
            assertTrue(seen.stream().allMatch(st -> st == 200), "served for 3.5 s after the signal: " + seen);
            // ...then no longer accepted, about 5 s after the signal.
            await().atMost(Duration.ofSeconds(15)).until(() -> status(port, "/ext/hello") == -1);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds >= 4.5, "stopped accepting after " + seconds + " s");
        }
    }
}
