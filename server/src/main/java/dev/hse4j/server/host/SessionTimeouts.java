package dev.hse4j.server.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session timeouts of every live session, checked by one periodic sweep instead of one scheduler task
 * per request: a request costs a link into and out of an intrusive list (no allocation, one short lock),
 * not a heap insert and a cancel in the scheduler's queue.
 *
 * <p>The list is cut into stripes, each with its own lock, chosen by the adding thread: the network threads
 * that start most sessions each mostly take a lock no other thread holds, instead of passing one lock's cache
 * line between cores twice per request. An entry remembers its stripe, so any thread can remove it.
 *
 * <p><b>Granularity:</b> the sweep runs every {@link #tick} (1 s in the server), so a session times out
 * between its timeout and its timeout plus one tick. The sweep runs only while sessions are live; an idle
 * server schedules nothing.
 */
final class SessionTimeouts {

    private static final Logger LOG = LoggerFactory.getLogger(SessionTimeouts.class);
    private static final int STRIPES = 8; // a power of two; more than the network threads of a small machine

    /** One session in the list: {@link RequestIo} extends it, so linking allocates nothing. */
    abstract static class Entry {
        private Entry prev;
        private Entry next;
        private long deadline; // System.nanoTime() based
        private Stripe stripe; // non-null while linked

        /** The deadline passed: called once, on the sweep's thread, after the entry was unlinked. */
        abstract void expired();
    }

    /** One lock and its circular list; {@code head} is a sentinel and the lock. */
    private static final class Stripe {
        private final Entry head = new Entry() {
            @Override
            void expired() {
            }
        };
        private int size; // guarded by head

        Stripe() {
            head.prev = head;
            head.next = head;
        }
    }

    private final Scheduler scheduler;
    private final long tickNanos;
    private final Stripe[] stripes = new Stripe[STRIPES];
    /** A sweep is scheduled; set by the add that finds it unset, cleared by a sweep that found nothing left. */
    private final AtomicBoolean armed = new AtomicBoolean();

    /**
     * @param scheduler runs the sweep
     * @param tickMillis how often the sweep runs: the granularity of every session timeout
     */
    SessionTimeouts(Scheduler scheduler, long tickMillis) {
        this.scheduler = scheduler;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** @return the sweep period in milliseconds */
    long tick() {
        return TimeUnit.NANOSECONDS.toMillis(tickNanos);
    }

    /** Starts timing {@code e}: it expires {@code timeoutNanos} from now (up to a tick later). */
    void add(Entry e, long timeoutNanos) {
        Stripe s = stripes[(int) Thread.currentThread().getId() & (STRIPES - 1)];
        synchronized (s.head) {
            if (e.stripe != null) {
                return;
            }
            e.deadline = System.nanoTime() + timeoutNanos;
            Entry head = s.head;
            e.prev = head.prev;
            e.next = head;
            head.prev.next = e;
            head.prev = e;
            e.stripe = s;
            s.size++;
        }
        // After the link: a sweep that disarms re-checks the stripes afterwards, so one of the two sees the other.
        if (!armed.get() && armed.compareAndSet(false, true)) {
            schedule();
        }
    }

    /** Stops timing {@code e} (its session ended); harmless if it is not timed. */
    void remove(Entry e) {
        Stripe s = e.stripe; // racy read: only an entry's own session adds and removes it, in order
        if (s == null) {
            return;
        }
        synchronized (s.head) {
            unlink(e);
        }
    }

    /** @return whether a sweep is scheduled (only while sessions are timed) */
    boolean sweeping() {
        return armed.get();
    }

    /** @return sessions timed now */
    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s.head) {
                n += s.size;
            }
        }
        return n;
    }

    /** Unlinks {@code e} if its stripe's lock (held by the caller) still has it. */
    private static void unlink(Entry e) {
        Stripe s = e.stripe;
        if (s == null) {
            return;
        }
        e.prev.next = e.next;
        e.next.prev = e.prev;
        e.prev = null;
        e.next = null;
        e.stripe = null;
        s.size--;
    }

    private void schedule() {
        try {
            scheduler.schedule(this::sweep, tickNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The server is stopping: its sessions end with it.
            armed.set(false);
        }
    }

    /** Expires every entry past its deadline, then runs again in a tick while entries are left. */
    void sweep() {
        List<Entry> due = null;
        long now = System.nanoTime();
        for (Stripe s : stripes) {
            synchronized (s.head) {
                for (Entry e = s.head.next; e != s.head; ) {
                    Entry next = e.next;
                    if (now - e.deadline >= 0) {
                        unlink(e);
                        if (due == null) {
                            due = new ArrayList<>();
                        }
                        due.add(e);
                    }
                    e = next;
                }
            }
        }
        if (due != null) {
            for (Entry e : due) {
                try {
                    e.expired();
                } catch (RuntimeException x) {
                    LOG.warn("a session timeout failed", x);
                }
            }
        }
        if (size() > 0) {
            schedule(); // still armed
            return;
        }
        armed.set(false);
        // An add that linked before the line above saw the sweep armed and did not schedule one: look again.
        if (size() > 0 && armed.compareAndSet(false, true)) {
            schedule();
        }
    }
}
