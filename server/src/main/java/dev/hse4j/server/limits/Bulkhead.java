package dev.hse4j.server.limits;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One extension's share of the server's threads: how many of its requests may be inside
 * {@code httpExtensionProc} or blocked in synchronous I/O at once. A request that finds it full is refused
 * (503) instead of waiting for a thread, so a slow client class aimed at one extension parks at most
 * {@link #cap()} threads and every other extension, {@code /hse/*} and the static files keep theirs.
 *
 * <p>A {@code nonBlocking} extension's procedure that runs on the network thread (its whole body in hand) takes
 * no place: it holds no worker thread and its synchronous I/O never waits, so it cannot park a thread, and it
 * is never refused. Its procedures handed to a worker (a body still arriving) count as any other.
 */
public final class Bulkhead {

    private final int cap;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    /** @param cap the most threads at once; 0 = no cap */
    public Bulkhead(int cap) {
        if (cap < 0) {
            throw new IllegalArgumentException("cap must be >= 0");
        }
        this.cap = cap;
    }

    /** @return whether there is room now (a cheap early look; {@link #tryEnter()} decides) */
    public boolean hasRoom() {
        return cap == 0 || busy.get() < cap;
    }

    /**
     * Takes a place for a procedure call.
     *
     * @return true if taken (then {@link #exit()} once), false if full (then {@link #reject()})
     */
    public boolean tryEnter() {
        while (true) {
            int b = busy.get();
            if (cap != 0 && b >= cap) {
                return false;
            }
            if (busy.compareAndSet(b, b + 1)) {
                return true;
            }
        }
    }

    /**
     * Counts a request refused because this bulkhead was full.
     *
     * @return whether to log it now: at most one line per extension every 10 s, so an attack does not flood
     *         the log (the count is on the status page)
     */
    public boolean reject() {
        rejected.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarnNanos.get();
        return now - last >= WARN_EVERY_NANOS && lastWarnNanos.compareAndSet(last, now);
    }

    /** Takes a place whatever the cap: synchronous I/O outside the procedure, which cannot be refused midway. */
    public void enter() {
        busy.incrementAndGet();
    }

    /** Gives a place back. */
    public void exit() {
        busy.decrementAndGet();
    }

    /** @return the cap, 0 = none */
    public int cap() { return cap; }
    /** @return threads it holds now */
    public int busy() { return busy.get(); }
    /** @return requests refused because it was full */
    public long rejected() { return rejected.get(); }
}
