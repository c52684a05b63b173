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
    private final Map<LinkKey, ArrayDeque<UpstreamLink>> idle = new HashMap<>();
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
                ArrayDeque<UpstreamLink> q = idle.get(key);
                if (q == null) {
                    return null;
                }
                l = q.pollLast();
                if (q.isEmpty()) {
                    idle.remove(key);
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
            ArrayDeque<UpstreamLink> q = idle.get(l.key);
            keep = !closed && idleCount < MAX_IDLE && (q == null || q.size() < MAX_IDLE_PER_KEY);
            if (keep) {
                idle.computeIfAbsent(l.key, k -> new ArrayDeque<>(1)).addLast(l);
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

    private synchronized void remove(UpstreamLink l) {
        ArrayDeque<UpstreamLink> q = idle.get(l.key);
        if (q != null && q.remove(l)) {
            idleCount--;
            if (q.isEmpty()) {
                idle.remove(l.key);
            }
        }
    }

    private void sweep() {
        long cutoff = System.nanoTime() - idleNanos;
        List<UpstreamLink> expired = new ArrayList<>();
        synchronized (this) {
            for (ArrayDeque<UpstreamLink> q : idle.values()) {
                for (UpstreamLink l : q) {
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
            idle.values().forEach(all::addAll);
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
