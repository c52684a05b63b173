package dev.hse4j.server.deploy;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps an eye on class loaders that were closed (their extension was replaced, removed, or failed to
 * load): each is held only through a {@link WeakReference}, so once nothing else holds it the garbage
 * collector frees it and it leaves the list. A loader that stays on the list long after a full GC is a
 * leak (a thread the extension started and never stopped, a JDK-wide registration...), and the status
 * page names it.
 *
 * <p>Only strings describing the loader are kept strongly, never anything loaded by it.
 */
public final class LeakWatch {

    /**
     * A closed loader not yet collected.
     *
     * @param jar the jar file it was loaded from
     * @param extensions the mount names it served (empty if it never served)
     * @param description what its extensions said they were
     * @param closedAt when the loader was closed
     */
    public record Retired(String jar, List<String> extensions, String description, Instant closedAt) {
    }

    private static final class Ref extends WeakReference<ClassLoader> {
        final Retired info;

        Ref(ClassLoader loader, Retired info, ReferenceQueue<ClassLoader> queue) {
            super(loader, queue);
            this.info = info;
        }
    }

    private final ReferenceQueue<ClassLoader> queue = new ReferenceQueue<>();
    private final Set<Ref> refs = ConcurrentHashMap.newKeySet();
    private final AtomicLong closed = new AtomicLong();
    private final AtomicLong collected = new AtomicLong();

    /**
     * Starts watching a loader that was just closed.
     *
     * @param loader the closed loader
     * @param info what to report while it is not collected
     */
    void closed(ClassLoader loader, Retired info) {
        closed.incrementAndGet();
        refs.add(new Ref(loader, info, queue));
        expunge();
    }

    private void expunge() {
        java.lang.ref.Reference<? extends ClassLoader> r;
        while ((r = queue.poll()) != null) {
            if (refs.remove(r)) {
                collected.incrementAndGet();
            }
        }
    }

    /** @return the closed loaders not yet garbage-collected, oldest first */
    public List<Retired> notCollected() {
        expunge();
        List<Retired> out = new ArrayList<>();
        for (Ref r : refs) {
            if (r.refersTo(null)) {
                continue; // cleared, not yet enqueued
            }
            out.add(r.info);
        }
        out.sort(Comparator.comparing(Retired::closedAt));
        return out;
    }

    /** @return how many loaders were closed since the server started */
    public long closedCount() {
        return closed.get();
    }

    /** @return how many closed loaders the garbage collector has freed */
    public long collectedCount() {
        expunge();
        return collected.get();
    }
}
