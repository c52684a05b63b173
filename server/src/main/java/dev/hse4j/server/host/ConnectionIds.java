package dev.hse4j.server.host;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The ECB's connection IDs: unique for the server's life, never 0, handed out in stripes so that two network
 * threads starting requests at once do not pass one counter's cache line between cores. A thread draws from
 * the stripe its id picks; stripe {@code s} hands out {@code n * STRIPES + s + 1}, so stripes never collide.
 */
final class ConnectionIds {

    private static final int STRIPES = 8; // a power of two
    private static final int PAD = 16;    // longs between stripes: 128 bytes, past adjacent-line prefetch

    private final AtomicLongArray next = new AtomicLongArray(STRIPES * PAD);

    /** @return an ID no earlier call returned */
    long next() {
        int s = (int) Thread.currentThread().getId() & (STRIPES - 1);
        return next.getAndIncrement(s * PAD) * STRIPES + s + 1;
    }
}
