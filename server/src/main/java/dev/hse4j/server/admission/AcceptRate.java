package dev.hse4j.server.admission;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-address accept rate: a token bucket per address holding one second's worth of connections,
 * refilled continuously. Full buckets are idle addresses: they are swept out once the table grows, so an
 * address that stops connecting costs nothing.
 */
final class AcceptRate {

    private static final int SWEEP_ABOVE = 4096;

    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    private final int perSecond;
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger sinceSweep = new AtomicInteger();

    /** @param perSecond connections per second per address (also the burst) */
    AcceptRate(int perSecond) {
        this.perSecond = perSecond;
    }

    /** @param key an address key @param now {@code System.nanoTime()} @return whether a connection may open now */
    boolean tryTake(InetAddress key, long now) {
        if (buckets.size() > SWEEP_ABOVE && sinceSweep.incrementAndGet() >= SWEEP_ABOVE) {
            sinceSweep.set(0);
            sweep(now);
        }
        Bucket b = buckets.computeIfAbsent(key, k -> {
            Bucket n = new Bucket();
            n.tokens = perSecond;
            n.lastNanos = now;
            return n;
        });
        synchronized (b) {
            refill(b, now);
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private void refill(Bucket b, long now) {
        long elapsed = now - b.lastNanos;
        if (elapsed > 0) {
            b.tokens = Math.min(perSecond, b.tokens + elapsed * (double) perSecond / 1e9);
            b.lastNanos = now;
        }
    }

    private void sweep(long now) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                refill(b, now);
                return b.tokens >= perSecond;
            }
        });
    }

    /** @return addresses with a bucket */
    int addresses() {
        return buckets.size();
    }
}
