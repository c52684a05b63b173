package dev.hse4j.server.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of 10,000 connections that are all refused (from a denied address), while a normal client on
 * another address keeps opening new connections, back to back, and getting answers within a second each.
 * Bounded: 8 burst threads, at most 3 minutes.
 */
class AdmissionBurstTest {

    private static final int BURST = 10_000;
    private static final int THREADS = 8;

    @TempDir
    Path tmp;

    @Test
    void tenThousandRefusedConnectionsWhileANormalClientIsAnsweredWithinASecond() throws Exception {
        try (TestServer s = TestServer.builder(tmp).config(b -> b.accessLog(null)
                .admission(AdmissionConfig.defaults().withLists(List.of(), List.of("127.0.0.2")))).start()) {
            int port = s.port();
            AtomicBoolean bursting = new AtomicBoolean(true);
            AtomicLong worstMillis = new AtomicLong();
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger notReset = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            try {
                Future<?> normal = pool.submit(() -> {
                    while (bursting.get()) {
                        long t0 = System.nanoTime();
                        try (Peer p = Peer.connect("127.0.0.3", port)) {
                            p.soTimeout(5_000);
                            assertEquals(200, p.get("/hse/health").status());
                        }
                        worstMillis.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                        answered.incrementAndGet();
                    }
                    return null;
                });
                List<Future<?>> burst = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    burst.add(pool.submit(() -> {
                        for (int i = 0; i < BURST / THREADS; i++) {
                            if (!refusedOnce(port)) {
                                notReset.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : burst) {
                    f.get(3, TimeUnit.MINUTES);
                }
                bursting.set(false);
                normal.get(30, TimeUnit.SECONDS);
            } finally {
                bursting.set(false);
                pool.shutdownNow();
                pool.awaitTermination(30, TimeUnit.SECONDS);
            }
            System.out.printf("admission burst: %d refused connections; the normal client was answered %d times, "
                    + "slowest %d ms%n", BURST, answered.get(), worstMillis.get());
            assertEquals(0, notReset.get(), "every burst connection is reset");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    s.server().admission().stats().byReason("refuse:deny") == BURST);
            assertTrue(answered.get() >= 5, "the normal client was answered " + answered.get() + " times");
            assertTrue(worstMillis.get() < 1_000, "the normal client's slowest answer took " + worstMillis.get() + " ms");
        }
    }

    /** One connection from the denied address: true if the server reset it without a byte. */
    private static boolean refusedOnce(int port) throws IOException {
        try (Socket c = new Socket()) {
            c.setSoTimeout(10_000);
            c.bind(new InetSocketAddress("127.0.0.2", 0));
            try {
                c.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                InputStream in = c.getInputStream();
                return in.read() < -1; // never: a reset throws
            } catch (java.net.SocketException e) {
                return String.valueOf(e.getMessage()).contains("reset");
            }
        }
    }
}
