package dev.hse4j.server.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sweep that replaces one scheduler task per session. */
class SessionTimeoutsTest {

    private ScheduledExecutorScheduler scheduler;

    @BeforeEach
    void start() throws Exception {
        scheduler = new ScheduledExecutorScheduler("sweep-test", true);
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        scheduler.stop();
    }

    private static final class Counted extends SessionTimeouts.Entry {
        final AtomicInteger expired = new AtomicInteger();
        final AtomicLong at = new AtomicLong();

        @Override
        void expired() {
            at.set(System.nanoTime());
            expired.incrementAndGet();
        }
    }

    @Test
    void anEntryExpiresOnceNotBeforeItsTimeoutAndWithinATickAfter() {
        SessionTimeouts t = new SessionTimeouts(scheduler, 100);
        Counted e = new Counted();
        long start = System.nanoTime();
        t.add(e, TimeUnit.MILLISECONDS.toNanos(300));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.expired.get() == 1);
        long ms = TimeUnit.NANOSECONDS.toMillis(e.at.get() - start);
        assertTrue(ms >= 300, "expired after " + ms + " ms, before its 300 ms");
        // Up to one tick late by design; a loaded machine may delay the scheduler thread further.
        assertTrue(ms < 5_000, "expired after " + ms + " ms");
        assertEquals(0, t.size());
        t.remove(e); // harmless once expired
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> e.expired.get() == 1);
    }

    @Test
    void aRemovedEntryNeverExpiresAndTheOthersStillDo() {
        SessionTimeouts t = new SessionTimeouts(scheduler, 50);
        Counted gone = new Counted();
        Counted stays = new Counted();
        Counted[] many = new Counted[1000];
        for (int i = 0; i < many.length; i++) {
            many[i] = new Counted();
            t.add(many[i], TimeUnit.MILLISECONDS.toNanos(100));
        }
        t.add(gone, TimeUnit.MILLISECONDS.toNanos(100));
        t.add(stays, TimeUnit.MILLISECONDS.toNanos(100));
        for (int i = 0; i < many.length; i += 2) {
            t.remove(many[i]);
        }
        t.remove(gone);
        assertEquals(501, t.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> stays.expired.get() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> t.size() == 0);
        assertEquals(0, gone.expired.get());
        for (int i = 0; i < many.length; i++) {
            assertEquals(i % 2 == 0 ? 0 : 1, many[i].expired.get(), "entry " + i);
        }
    }

    @Test
    void theSweepStopsWhenNothingIsTimedAndStartsAgainWithTheNextSession() {
        SessionTimeouts t = new SessionTimeouts(scheduler, 50);
        Counted a = new Counted();
        assertTrue(!t.sweeping(), "nothing timed, nothing scheduled");
        t.add(a, 0);
        assertTrue(t.sweeping());
        await().atMost(Duration.ofSeconds(10)).until(() -> a.expired.get() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !t.sweeping());
        Counted b = new Counted();
        t.add(b, TimeUnit.MILLISECONDS.toNanos(100));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.expired.get() == 1);
        Counted c = new Counted();
        t.add(c, TimeUnit.SECONDS.toNanos(60));
        assertTrue(t.sweeping());
        t.remove(c);
        assertEquals(0, t.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> !t.sweeping());
    }

    @Test
    void entriesAddedOnManyThreadsAndRemovedOnAnotherBehaveAsOnOne() throws Exception {
        SessionTimeouts t = new SessionTimeouts(scheduler, 50);
        int threads = 12; // more than the stripes: some threads share one
        Counted[][] made = new Counted[threads][200];
        Thread[] adders = new Thread[threads];
        for (int k = 0; k < threads; k++) {
            Counted[] mine = made[k];
            adders[k] = new Thread(() -> {
                for (int i = 0; i < mine.length; i++) {
                    mine[i] = new Counted();
                    // Odd ones would expire only after a minute: they are all removed below.
                    t.add(mine[i], TimeUnit.MILLISECONDS.toNanos(i % 2 == 0 ? 100 : 60_000));
                }
            });
            adders[k].start();
        }
        for (Thread a : adders) {
            a.join();
        }
        assertEquals(threads * 200, t.size());
        Thread remover = new Thread(() -> {
            for (Counted[] mine : made) {
                for (int i = 1; i < mine.length; i += 2) {
                    t.remove(mine[i]);
                }
            }
        });
        remover.start();
        remover.join();
        await().atMost(Duration.ofSeconds(10)).until(() -> t.size() == 0 && !t.sweeping());
        for (Counted[] mine : made) {
            for (int i = 0; i < mine.length; i++) {
                assertEquals(i % 2 == 0 ? 1 : 0, mine[i].expired.get(), "entry " + i);
            }
        }
    }
}
