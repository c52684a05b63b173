package dev.hse4j.server.deploy;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many requests hold a deployment, counted in stripes: a thread adds and drops its holds in the stripe its
 * id picks, each stripe on its own cache line, so two network threads starting and ending requests at once do
 * not pass one counter's line between cores (a single {@code AtomicInteger} cost two contended atomics per
 * request). A hold may be dropped on another thread than took it, so one stripe can go below zero; only the
 * {@link #sum} means anything.
 *
 * <p><b>Why a sum after retirement never reads zero while a request still holds:</b> the deployment stops
 * taking requests (a volatile write) before anyone sums; a request that got in added its hold before it read
 * "still active", so every real hold is in place before the first sum and is seen by it. A request that found
 * it retired drops its hold again in the same stripe, so a sum sees its add, both, or neither, never the drop
 * alone. A sum can thus be too high for a moment, never too low, and every drop after retirement sums again.
 */
final class RequestHolds {

    private static final int STRIPES = 8; // a power of two
    private static final int PAD = 16;    // longs between stripes: 128 bytes, past adjacent-line prefetch

    private final AtomicLongArray cells = new AtomicLongArray(STRIPES * PAD);

    private static int slot() {
        return ((int) Thread.currentThread().getId() & (STRIPES - 1)) * PAD;
    }

    void add() {
        cells.getAndIncrement(slot());
    }

    void drop() {
        cells.getAndDecrement(slot());
    }

    /** @return holds now (see the class comment for what a racing sum may read) */
    long sum() {
        long n = 0;
        for (int i = 0; i < STRIPES; i++) {
            n += cells.get(i * PAD);
        }
        return n;
    }
}
