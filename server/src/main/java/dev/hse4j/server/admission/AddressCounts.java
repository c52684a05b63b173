package dev.hse4j.server.admission;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open, admitted connections per client address. An entry exists only while its count is above zero, so
 * the table is as large as the set of addresses holding connections, never larger.
 */
final class AddressCounts {

    private final ConcurrentHashMap<InetAddress, AtomicInteger> counts = new ConcurrentHashMap<>();

    /**
     * Counts one more connection from {@code key}, unless that would exceed {@code max}.
     *
     * @param key the address key
     * @param max the cap, 0 = none
     * @return the count before this one, or -1 if the cap was reached (nothing counted)
     */
    int tryIncrement(InetAddress key, int max) {
        int[] before = {-1};
        counts.compute(key, (k, c) -> {
            if (c == null) {
                c = new AtomicInteger();
            }
            int n = c.get();
            if (max == 0 || n < max) {
                c.set(n + 1);
                before[0] = n;
            }
            return c.get() == 0 ? null : c;
        });
        return before[0];
    }

    /** @param key the address key whose connection closed (or was turned down after counting) */
    void decrement(InetAddress key) {
        counts.computeIfPresent(key, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
    }

    /** @param key an address key @return its open connections */
    int get(InetAddress key) {
        AtomicInteger c = counts.get(key);
        return c == null ? 0 : c.get();
    }

    /** @return how many addresses hold connections */
    int addresses() {
        return counts.size();
    }
}
