package dev.hse4j.server.async;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clock sample: thousands of PENDING sessions at once, answered from one timer thread. */
class ClockTest {

    @TempDir
    Path tmp;

    @Test
    void twoThousandPendingSessionsHoldNoThreadEach() throws Exception {
        int n = 2000;
        try (TestServer server = TestServer.builder(tmp).samples("clock")
                // 2,000 connections from one address: past the default per-address cap (256).
                .config(b -> b.accessLog(null).admission(AdmissionConfig.defaults().withMaxConnectionsPerIp(0))).start()) {
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            List<RawHttp> clients = new ArrayList<>(n);
            try {
                for (int i = 0; i < n; i++) {
                    RawHttp c = new RawHttp(server.port());
                    clients.add(c);
                    c.send("GET /ext/clock?ms=15000 HTTP/1.1\r\nHost: x\r\n\r\n");
                }
                await().atMost(Duration.ofSeconds(14)).until(() -> server.server().stats().pendingSessions() == n);
                int threads = ManagementFactory.getThreadMXBean().getThreadCount();
                // The server's pool is capped at 200 threads; 2,000 sessions fit in it, so none holds a thread.
                assertTrue(threads - threadsBefore <= 220,
                        n + " pending sessions used " + (threads - threadsBefore) + " more threads");
                for (RawHttp c : clients) {
                    RawHttp.Reply r = c.read();
                    assertEquals(200, r.status());
                    assertTrue(r.text().startsWith("tick "), r.text());
                }
            } finally {
                for (RawHttp c : clients) {
                    c.close();
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.server().stats().liveSessions() == 0);
        }
    }
}
