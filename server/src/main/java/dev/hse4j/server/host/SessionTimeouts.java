package dev.hse4j.server.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session timeouts of every live session, checked by one periodic sweep instead of one scheduler task
 * per request: a request costs a link into and out of an intrusive list (no allocation, one short lock),
 * not a heap insert and a cancel in the scheduler's queue.
 *
 * <p><b>Granularity:</b> the sweep runs every {@link #tick} (1 s in the server), so a session times out
 * between its timeout and its timeout plus one tick. The sweep runs only while sessions are live; an idle
 * server schedules nothing.
 */
final class SessionTimeouts {

    private static final Logger LOG = LoggerFactory.getLogger(SessionTimeouts.class);

    /** One session in the list: {@link RequestIo} extends it, so linking allocates nothing. */
    abstract static class Entry {
        private Entry prev;
        private Entry next;
        private long deadline; // System.nanoTime() based
        private boolean linked;

        /** The deadline passed: called once, on the sweep's thread, after the entry was unlinked. */
        abstract void expired();
    }

    private final Scheduler scheduler;
    private final long tickNanos;
    private final Entry head = new Entry() { // sentinel: head.next is the first entry
        @Override
        void expired() {
        }
    };
    private boolean armed; // guarded by head
    private int size; // guarded by head

    /**
     * @param scheduler runs the sweep
     * @param tickMillis how often the sweep runs: the granularity of every session timeout
     */
    SessionTimeouts(Scheduler scheduler, long tickMillis) {
        this.scheduler = scheduler;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        head.prev = head;
        head.next = head;
    }

    /** @return the sweep period in milliseconds */
    long tick() {
        return TimeUnit.NANOSECONDS.toMillis(tickNanos);
    }

    /** Starts timing {@code e}: it expires {@code timeoutNanos} from now (up to a tick later). */
    void add(Entry e, long timeoutNanos) {
        boolean arm;
        synchronized (head) {
            if (e.linked) {
                return;
            }
            e.deadline = System.nanoTime() + timeoutNanos;
            e.prev = head.prev;
            e.next = head;
            head.prev.next = e;
            head.prev = e;
            e.linked = true;
            size++;
            arm = !armed;
            armed = true;
        }
        if (arm) {
            schedule();
        }
    }

    /** Stops timing {@code e} (its session ended); harmless if it is not timed. */
    void remove(Entry e) {
        synchronized (head) {
            unlink(e);
        }
    }

    /** @return whether a sweep is scheduled (only while sessions are timed) */
    boolean sweeping() {
        synchronized (head) {
            return armed;
        }
    }

    /** @return sessions timed now */
    int size() {
        synchronized (head) {
            return size;
        }
    }

    private void unlink(Entry e) {
        if (!e.linked) {
            return;
        }
        e.prev.next = e.next;
        e.next.prev = e.prev;
        e.prev = null;
        e.next = null;
        e.linked = false;
        size--;
    }

    private void schedule() {
        try {
            scheduler.schedule(this::sweep, tickNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The server is stopping: its sessions end with it.
            synchronized (head) {
                armed = false;
            }
        }
    }

    /** Expires every entry past its deadline, then runs again in a tick while entries are left. */
    void sweep() {
        List<Entry> due = null;
        boolean again;
        long now = System.nanoTime();
        synchronized (head) {
            for (Entry e = head.next; e != head; ) {
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
            again = size > 0;
            armed = again;
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
        if (again) {
            schedule();
        }
    }
}
