package dev.hse4j.samples.proxy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The idle upstream connections, by the PROXY header they began with. That header names one client
 * connection (its addresses and ports, or the balancer's record of it), so a link is only ever reused for
 * later requests of the same client connection: the upstream keeps seeing the right client, as the PROXY
 * protocol requires (one header per connection). A link idle for longer than the idle timeout is closed,
 * as is one the upstream closes; at most {@link #MAX_IDLE} are kept.
 */
final class UpstreamLinks implements AutoCloseable {

    static final int MAX_IDLE = 1024;
    private static final int MAX_IDLE_PER_KEY = 8; // HTTP/2 streams of one client connection run side by side

    private final long idleNanos;
    /**
     * Per key the idle link, or an {@code ArrayDeque} of them when one client connection has several (HTTP/2
     * streams side by side). The usual case, one link going out and back per request, is one map operation each
     * way and no allocation (a deque per key was made and dropped for every request, and each key was looked up
     * twice each way: ~1.5 % of a proxied hello's CPU, mostly comparing keys).
     */
    private final Map<LinkKey, Object> idle = new HashMap<>();
    private int idleCount;
    private ScheduledExecutorService sweeper;
    private boolean closed;

    /** @param idleMillis how long an unused link stays open */
    UpstreamLinks(long idleMillis) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
    }

    /** @return an idle link for this client connection, now attached to {@code s}, or {@code null} */
    UpstreamLink take(LinkKey key, ProxySession s) {
        while (true) {
            UpstreamLink l;
            synchronized (this) {
                Object v = idle.remove(key);
                if (v == null) {
                    return null;
                }
                if (v instanceof UpstreamLink one) {
                    l = one;
                } else {
                    @SuppressWarnings("unchecked")
                    ArrayDeque<UpstreamLink> q = (ArrayDeque<UpstreamLink>) v;
                    l = q.pollLast();
                    if (!q.isEmpty()) {
                        idle.put(key, q.size() == 1 ? q.peekFirst() : q);
                    }
                }
                idleCount--;
            }
            if (l.attach(s)) {
                return l;
            }
            l.conn.close(); // it died while we looked
        }
    }

    /** Keeps a link whose request ended cleanly for the next request of the same client connection. */
    void release(UpstreamLink l) {
        long now = System.nanoTime();
        boolean keep;
        synchronized (this) {
            keep = !closed && idleCount < MAX_IDLE && add(l);
            if (keep) {
                idleCount++;
                if (sweeper == null) {
                    sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "proxy-idle-sweeper");
                        t.setDaemon(true);
                        return t;
                    });
                    long period = Math.max(100, TimeUnit.NANOSECONDS.toMillis(idleNanos) / 4);
                    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
                }
            }
        }
        if (!keep || !l.detachToIdle(now)) {
            remove(l);
            l.kill();
            l.conn.close();
        }
    }

    /** An idle link the upstream closed (or sent unasked bytes on): forget it and close it. */
    void retire(UpstreamLink l) {
        remove(l);
        l.conn.close();
    }

    /** Adds {@code l} to its key's idle links, unless that key has {@link #MAX_IDLE_PER_KEY}. @return whether it did */
    private boolean add(UpstreamLink l) {
        Object v = idle.putIfAbsent(l.key, l);
        if (v == null) {
            return true;
        }
        if (v instanceof UpstreamLink other) {
            ArrayDeque<UpstreamLink> q = new ArrayDeque<>(2);
            q.addLast(other);
            q.addLast(l);
            idle.put(l.key, q);
            return true;
        }
        @SuppressWarnings("unchecked")
        ArrayDeque<UpstreamLink> q = (ArrayDeque<UpstreamLink>) v;
        if (q.size() >= MAX_IDLE_PER_KEY) {
            return false;
        }
        q.addLast(l);
        return true;
    }

    private synchronized void remove(UpstreamLink l) {
        Object v = idle.get(l.key);
        if (v == l) {
            idle.remove(l.key);
            idleCount--;
        } else if (v instanceof ArrayDeque<?> q && q.remove(l)) {
            idleCount--;
            if (q.isEmpty()) {
                idle.remove(l.key);
            } else if (q.size() == 1) {
                idle.put(l.key, q.peekFirst());
            }
        }
    }

    /** @return the idle links of {@code v}, a value of {@link #idle} */
    @SuppressWarnings("unchecked")
    private static List<UpstreamLink> links(Object v) {
        return v instanceof UpstreamLink l ? List.of(l) : List.copyOf((ArrayDeque<UpstreamLink>) v);
    }

    private void sweep() {
        long cutoff = System.nanoTime() - idleNanos;
        List<UpstreamLink> expired = new ArrayList<>();
        synchronized (this) {
            for (Object v : idle.values()) {
                for (UpstreamLink l : links(v)) {
                    if (l.expireIfIdleSince(cutoff)) {
                        expired.add(l);
                    }
                }
            }
        }
        for (UpstreamLink l : expired) {
            remove(l);
            l.conn.close();
        }
    }

    /** Closes every idle link and stops the sweeper (the extension is unloaded). */
    @Override
    public void close() {
        List<UpstreamLink> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(v -> all.addAll(links(v)));
            idle.clear();
            idleCount = 0;
            if (sweeper != null) {
                sweeper.shutdownNow();
            }
        }
        for (UpstreamLink l : all) {
            l.kill();
            l.conn.close();
        }
    }
}
