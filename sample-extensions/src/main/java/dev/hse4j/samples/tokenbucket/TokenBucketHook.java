package dev.hse4j.samples.tokenbucket;

import dev.hse4j.api.AdmissionHook;
import dev.hse4j.api.AdmissionVerdict;
import dev.hse4j.api.ConnectionOffer;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sample admission hook: a token bucket per client address (by default 20 new connections a second,
 * bursts of 40), refusing connections beyond it, and tagging every connection it accepts with its number
 * and accept time.
 *
 * <p>The context is a {@code Map<String, Object>} of JDK types ({@code Long}, {@code Instant}), so that any
 * extension can read it whatever its class loader: {@code ecb.connectionContext()} or the
 * {@code HSE_CONNECTION_CONTEXT} server variable ({@code {number=7, acceptedAt=2026-...Z}}; the {@code vars}
 * sample shows it).
 *
 * <p>It never blocks: one map lookup and a few arithmetic operations under the bucket's own lock. Settings:
 * system properties {@code hse4j.tokenbucket.rate} and {@code hse4j.tokenbucket.burst}.
 */
public final class TokenBucketHook implements AdmissionHook {

    /** One address's bucket. */
    private static final class Bucket {
        double tokens;
        long last;
    }

    private final double rate = Double.parseDouble(System.getProperty("hse4j.tokenbucket.rate", "20"));
    private final double burst = Double.parseDouble(System.getProperty("hse4j.tokenbucket.burst", "40"));
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong numbers = new AtomicLong();

    @Override
    public AdmissionVerdict admit(ConnectionOffer offer) {
        long now = System.nanoTime();
        if (buckets.size() > 10_000) {
            sweep(now); // forget idle addresses, so a scan from many addresses cannot grow the map for ever
        }
        Bucket b = buckets.computeIfAbsent(offer.remoteAddress().getAddress(), a -> {
            Bucket n = new Bucket();
            n.tokens = burst;
            n.last = now;
            return n;
        });
        synchronized (b) {
            refill(b, now);
            if (b.tokens < 1) {
                return AdmissionVerdict.refuse();
            }
            b.tokens -= 1;
        }
        Map<String, Object> tag = new LinkedHashMap<>();
        tag.put("number", numbers.incrementAndGet());
        tag.put("acceptedAt", Instant.now());
        return AdmissionVerdict.accept(Collections.unmodifiableMap(tag));
    }

    private void refill(Bucket b, long now) {
        b.tokens = Math.min(burst, b.tokens + (now - b.last) * rate / 1e9);
        b.last = now;
    }

    private void sweep(long now) {
        buckets.values().removeIf(b -> {
            synchronized (b) {
                refill(b, now);
                return b.tokens >= burst;
            }
        });
    }
}
