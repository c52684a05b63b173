package dev.hse4j.server.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class CompletionDispatcherTest {

    @Test
    void anInlineCompletionLeavesTheInitiatingThread() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            CompletionDispatcher d = new CompletionDispatcher(pool);
            AtomicReference<Thread> ran = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            d.enterInitiation();
            try {
                d.dispatch(() -> {
                    ran.set(Thread.currentThread());
                    done.countDown();
                });
            } finally {
                d.exitInitiation();
            }
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertNotSame(Thread.currentThread(), ran.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void chainedCompletionsRunInALoopNotARecursion() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            CompletionDispatcher d = new CompletionDispatcher(pool);
            int n = 200_000; // the million-write chain runs over a real socket in AsyncIoTest
            AtomicInteger count = new AtomicInteger();
            AtomicInteger maxDepth = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            Runnable[] step = new Runnable[1];
            step[0] = () -> {
                maxDepth.accumulateAndGet(new Throwable().getStackTrace().length, Math::max);
                if (count.incrementAndGet() < n) {
                    // The next operation "completes at once", as a write to a fast socket does.
                    d.enterInitiation();
                    try {
                        d.dispatch(step[0]);
                    } finally {
                        d.exitInitiation();
                    }
                } else {
                    done.countDown();
                }
            };
            d.dispatch(step[0]);
            assertTrue(done.await(60, TimeUnit.SECONDS));
            assertEquals(n, count.get());
            assertTrue(maxDepth.get() < 100, "stack depth grew to " + maxDepth.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
