package dev.hse4j.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.TerminateMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.RepeatedTest;

/**
 * A deployment's request holds are counted in stripes (one per thread, {@link RequestHolds}): requests taken
 * and given back on many threads, some released on another thread than took them, while it is retired. It
 * must drain exactly once, and only when no request holds it any more.
 */
class DeploymentHoldsTest {

    private final AtomicInteger held = new AtomicInteger();        // the truth, kept by the test
    private final AtomicInteger terminations = new AtomicInteger();
    private final AtomicInteger heldAtTermination = new AtomicInteger(-1);

    private Deployment deployment() {
        HttpExtension ext = new HttpExtension() {
            @Override
            public ExtensionVersion getExtensionVersion() {
                return ExtensionVersion.of("holds");
            }

            @Override
            public HseStatus httpExtensionProc(ExtensionControlBlock ecb) {
                return HseStatus.SUCCESS;
            }

            @Override
            public boolean terminateExtension(TerminateMode mode) {
                heldAtTermination.compareAndSet(-1, held.get());
                terminations.incrementAndGet();
                return true;
            }
        };
        JarHandle handle = new JarHandle(null, getClass().getClassLoader(), "holds.jar", null, "0", null);
        return new Deployment("holds", ext, ExtensionVersion.of("holds"), Path.of("holds.jar"), handle, 0,
                Duration.ofSeconds(30), ExtensionResources.Factory.NONE.open("holds", getClass().getClassLoader()),
                null, 0, null, false, false);
    }

    @RepeatedTest(5)
    void retiredWhileManyThreadsTakeAndGiveBackItDrainsOnceAndOnlyWhenNothingHolds() throws Exception {
        Deployment d = deployment();
        int threads = 6;
        CountDownLatch running = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicLong taken = new AtomicLong();
        java.util.concurrent.LinkedBlockingQueue<Boolean> handOff = new java.util.concurrent.LinkedBlockingQueue<>();
        for (int k = 0; k < threads; k++) {
            boolean releasesOthers = k % 2 == 1;
            Thread t = new Thread(() -> {
                running.countDown();
                while (true) {
                    if (releasesOthers) {
                        // Gives back holds another thread took: its own stripe goes below zero.
                        Boolean h = handOff.poll();
                        if (h != null) {
                            held.decrementAndGet();
                            d.release();
                            continue;
                        }
                    }
                    if (!d.tryAcquire()) {
                        return; // retired
                    }
                    taken.incrementAndGet();
                    held.incrementAndGet();
                    if (!releasesOthers && (taken.get() & 1) == 0) {
                        handOff.add(Boolean.TRUE);
                    } else {
                        held.decrementAndGet();
                        d.release();
                    }
                }
            });
            t.setUncaughtExceptionHandler((th, x) -> failures.add(x)); // the drain may run on a worker
            workers.add(t);
            t.start();
        }
        running.await();
        while (taken.get() < 20_000) {
            Thread.onSpinWait();
        }
        d.retire();
        for (Thread t : workers) {
            t.join(10_000);
        }
        assertFalse(d.tryAcquire(), "a retired deployment takes no request");
        // Holds handed off and not yet given back: give them back now, as late-ending sessions would.
        Boolean h;
        while ((h = handOff.poll()) != null) {
            assertTrue(h);
            assertEquals(0, terminations.get(), "drained while " + held.get() + " request(s) still held it");
            held.decrementAndGet();
            d.release();
        }
        assertEquals(List.of(), failures, "a worker failed");
        assertEquals(0, held.get());
        assertEquals(0, d.inFlight());
        assertEquals(1, terminations.get(), "drained exactly once");
        assertEquals(0, heldAtTermination.get(), "terminated while requests still held it");
    }
}
