package dev.hse4j.server.limits;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slow-client attack of issue 8 on loopback, bounded in count and time, against a server with its default
 * limits on platform threads (Java 17's case: the bulkhead and the rates must do it): 240 clients each send
 * more than the read-ahead to {@code /ext/echo} and then trickle a byte every 2 s, and 60 more upload to it
 * without ever reading the echoed response. Closed attackers reconnect. Throughout, {@code /hse/health}, a
 * static file and another extension must each answer, within 1 s (see the assertion for this machine's
 * allowance). On today's main none of them answers at all while the attack lasts.
 */
class SlowClientAttackTest {

    static final int TRICKLERS = 240;
    static final int NON_READERS = 60;
    static final Duration ATTACK = Duration.ofSeconds(12);
    static final String[] PROBES = {"/hse/health", "/index.html", "/ext/hello"};

    @TempDir
    Path tmp;

    /** One attacking connection, driven by the attack thread only. */
    static final class Attacker {
        final int port;
        final boolean trickler;
        SocketChannel ch;
        ByteBuffer pending;
        long nextTrickleNanos;
        long nextConnectNanos;

        Attacker(int port, boolean trickler) {
            this.port = port;
            this.trickler = trickler;
        }

        void connect() throws IOException {
            ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            ch.configureBlocking(false);
            long length = trickler ? 1_000_000 : 8_000_000;
            byte[] head = ("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.allocate(head.length + (trickler ? 50_000 : 0));
            b.put(head).position(b.capacity()).flip();
            pending = b;
            nextTrickleNanos = System.nanoTime() + 2_000_000_000L;
            nextConnectNanos = System.nanoTime() + 2_000_000_000L;
        }

        /** @return whether it may come back now: at most once every 2 s, as a trickle's pace */
        boolean mayReconnect() {
            return System.nanoTime() >= nextConnectNanos;
        }

        /** @return false if the server closed the connection */
        boolean tick(ByteBuffer junk) {
            try {
                if (pending != null && pending.hasRemaining()) {
                    ch.write(pending);
                    return true;
                }
                if (trickler) {
                    if (System.nanoTime() >= nextTrickleNanos) {
                        ch.write(ByteBuffer.wrap(new byte[] {'x'}));
                        nextTrickleNanos += 2_000_000_000L;
                    }
                } else if (System.nanoTime() >= nextTrickleNanos) {
                    // 64 KB every half second, as far as the server takes it; the response is never read.
                    ch.write(junk.clear());
                    nextTrickleNanos += 500_000_000L;
                }
                return true;
            } catch (IOException closed) {
                return false;
            }
        }

        boolean started() {
            return pending == null || !pending.hasRemaining();
        }

        void close() {
            try {
                if (ch != null) {
                    ch.close();
                }
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Test
    void healthStaticFilesAndOtherExtensionsAnswerWithinASecondThroughout() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("echo", "hello")
                .config(b -> b.virtualThreads(false)).start()) {
            for (String path : PROBES) {
                s.given().get(path).then().statusCode(200); // warm: the window measures the attack, not class loading
            }
            dev.hse4j.server.limits.Bulkhead echo = s.server().registry().acquire("echo").bulkhead();
            s.server().registry().acquire("echo").release();
            List<Attacker> attackers = new ArrayList<>();
            for (int i = 0; i < TRICKLERS + NON_READERS; i++) {
                attackers.add(new Attacker(s.port(), i < TRICKLERS));
            }
            AtomicInteger reconnects = new AtomicInteger();
            ScheduledExecutorService attack = Executors.newSingleThreadScheduledExecutor();
            try {
                ByteBuffer junk = ByteBuffer.allocate(64 * 1024);
                for (Attacker a : attackers) {
                    a.connect();
                    a.tick(junk);
                }
                attack.scheduleWithFixedDelay(() -> {
                    for (Attacker a : attackers) {
                        if (!a.tick(junk) && a.mayReconnect()) {
                            a.close();
                            try {
                                a.connect(); // an attacker comes back
                                reconnects.incrementAndGet();
                            } catch (IOException e) {
                                // the server may be refusing for a moment; try at the next tick
                            }
                        }
                    }
                }, 50, 50, TimeUnit.MILLISECONDS);
                // The attack is on once every attacker has sent its head and first body bytes and echo is full.
                await().atMost(Duration.ofSeconds(30)).until(() -> attackers.stream().allMatch(Attacker::started));
                await().atMost(Duration.ofSeconds(30)).until(() -> echo.busy() >= echo.cap());
                // ... and the first wave beyond the cap has been turned away (they come back every 2 s).
                await().atMost(Duration.ofSeconds(30)).until(() -> echo.rejected() >= TRICKLERS + NON_READERS - echo.cap());

                long begin = System.nanoTime();
                long end = begin + ATTACK.toNanos();
                List<String> slow = new ArrayList<>();
                List<long[]> times = new ArrayList<>();
                int probes = 0;
                long worst = 0;
                while (System.nanoTime() < end) {
                    for (String path : PROBES) {
                        long t0 = System.nanoTime();
                        int status;
                        try (RawHttp c = new RawHttp(s.port())) {
                            c.socket().setSoTimeout(5_000);
                            status = c.get(path).status();
                        } catch (IOException e) {
                            status = -1;
                        }
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        worst = Math.max(worst, ms);
                        times.add(new long[] {ms, (t0 - begin) / 1_000_000});
                        probes++;
                        if (status != 200 || ms >= 1_000) {
                            slow.add(path + " -> " + status + " in " + ms + " ms at +" + (t0 - begin) / 1_000_000 + " ms");
                        }
                    }
                    await().pollDelay(Duration.ofMillis(200)).until(() -> true); // probe ~4 times a second
                }
                times.sort((x, y) -> Long.compare(y[0], x[0]));
                System.out.println("attack: " + probes + " probes, worst " + worst + " ms, slowest (ms, at +ms): "
                        + times.stream().limit(5).map(t -> t[0] + "@" + t[1]).toList() + ", median "
                        + times.get(times.size() / 2)[0] + " ms, " + reconnects.get()
                        + " reconnects, limits " + s.given().get("/hse/status.json").jsonPath().getMap("limits"));
                // Every probe is answered (on today's main none is: all pool threads are parked in readClient),
                // within 1 s. The time limit is only as good as the machine: the attack, the server and the probes
                // run in one JVM on two cores. So: every probe answered within the 5 s socket timeout and the
                // median within 1 s always; every probe within 1 s unless other work overloads the machine (load
                // average above four per core, seen only on a shared development box), where that is reported.
                assertTrue(slow.stream().allMatch(x -> x.contains("-> 200 ")), "every probe answered: " + slow);
                long median = times.get(times.size() / 2)[0];
                assertTrue(median < 1_000, "median " + median + " ms");
                double load = Double.parseDouble(java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                int cores = Runtime.getRuntime().availableProcessors();
                if (load <= 4.0 * cores) {
                    assertTrue(slow.isEmpty(), slow.size() + " of " + probes + " probes took >= 1 s: " + slow);
                } else {
                    System.out.println("attack: load average " + load + " on " + cores + " cores: " + slow.size()
                            + " of " + probes + " probes took >= 1 s (not asserted on an overloaded machine): " + slow);
                }
                assertTrue(probes >= 15, "probed throughout: " + probes);
                // The attack really hit the limits: echo was full and refused the rest.
                assertTrue(s.server().limitStats().bulkheadRejections() > 0, "the bulkhead refused attackers");
                assertEquals(100, echo.cap());
            } finally {
                attack.shutdownNow();
                attack.awaitTermination(5, TimeUnit.SECONDS);
                attackers.forEach(Attacker::close);
            }
        }
    }
}
