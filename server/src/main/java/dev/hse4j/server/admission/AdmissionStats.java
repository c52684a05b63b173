package dev.hse4j.server.admission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Verdict counts by outcome, by reason and by hook, for the status document. Lock-free on the hot path. */
public final class AdmissionStats {

    /** Counters of one hook (by its name, {@code jar!class}, across its versions). */
    public static final class HookCounters {
        final LongAdder accepted = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder insufficient = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder slow = new LongAdder();
        final LongAdder closeNotifications = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final AtomicLong maxNanos = new AtomicLong();
        /** Rate limit of the slow-decision warning: when it was last logged, and how many went unlogged. */
        final AtomicLong lastSlowLog = new AtomicLong(Long.MIN_VALUE);
        final LongAdder slowUnlogged = new LongAdder();
        final AtomicLong lastFailLog = new AtomicLong(Long.MIN_VALUE);

        void timed(long nanosTaken) {
            nanos.add(nanosTaken);
            maxNanos.accumulateAndGet(nanosTaken, Math::max);
        }

        /** @return decisions made */
        public long decisions() {
            return accepted.sum() + refused.sum() + insufficient.sum();
        }

        /** @return close notifications delivered */
        public long closeNotifications() {
            return closeNotifications.sum();
        }

        /** @return decisions over 1 ms */
        public long slow() {
            return slow.sum();
        }

        /** @return calls that threw or answered null */
        public long failed() {
            return failed.sum();
        }
    }

    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder insufficient = new LongAdder();
    private final Map<String, LongAdder> byReason = new ConcurrentHashMap<>();
    private final Map<String, HookCounters> byHook = new ConcurrentHashMap<>();
    private final LongAdder closed = new LongAdder();
    private final LongAdder pauses = new LongAdder();

    void count(Admission a) {
        switch (a.kind()) {
            case ACCEPT -> accepted.increment();
            case REFUSE -> refused.increment();
            case INSUFFICIENT_RESOURCES -> insufficient.increment();
        }
        if (!a.isAccepted()) {
            byReason.computeIfAbsent(a.reason(), k -> new LongAdder()).increment();
        }
    }

    HookCounters hook(String name) {
        return byHook.computeIfAbsent(name, k -> new HookCounters());
    }

    void closed() {
        closed.increment();
    }

    void paused() {
        pauses.increment();
    }

    /** @return connections accepted */
    public long accepted() { return accepted.sum(); }
    /** @return connections refused (reset) */
    public long refused() { return refused.sum(); }
    /** @return connections turned down for insufficient resources (graceful close) */
    public long insufficientResources() { return insufficient.sum(); }
    /** @return admitted connections that have closed */
    public long closedConnections() { return closed.sum(); }
    /** @return accept pauses after "insufficient resources" */
    public long pauses() { return pauses.sum(); }

    /** @param reason a reason such as {@code refuse:max-connections-per-ip} @return how often it decided */
    public long byReason(String reason) {
        LongAdder a = byReason.get(reason);
        return a == null ? 0 : a.sum();
    }

    /** @return every reason decided so far (such as {@code refuse:deny}) with its count, sorted by reason */
    public Map<String, Long> byReason() {
        Map<String, Long> m = new TreeMap<>();
        byReason.forEach((k, c) -> m.put(k, c.sum()));
        return m;
    }

    /** @param name a hook's {@code jar!class} @return its counters, or {@code null} if it never ran */
    public HookCounters hookCounters(String name) {
        return byHook.get(name);
    }

    ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        ObjectNode v = n.putObject("verdicts");
        v.put("accept", accepted.sum());
        v.put("refuse", refused.sum());
        v.put("insufficientResources", insufficient.sum());
        ObjectNode r = n.putObject("byReason");
        new TreeMap<>(byReason).forEach((k, c) -> r.put(k, c.sum()));
        n.put("closed", closed.sum());
        n.put("acceptPauses", pauses.sum());
        return n;
    }

    ObjectNode hookJson(String name) {
        HookCounters c = byHook.get(name);
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        long decisions = c == null ? 0 : c.decisions();
        n.put("accept", c == null ? 0 : c.accepted.sum());
        n.put("refuse", c == null ? 0 : c.refused.sum());
        n.put("insufficientResources", c == null ? 0 : c.insufficient.sum());
        n.put("failed", c == null ? 0 : c.failed.sum());
        n.put("slow", c == null ? 0 : c.slow.sum());
        n.put("closeNotifications", c == null ? 0 : c.closeNotifications.sum());
        n.put("meanMicros", decisions == 0 ? 0 : c.nanos.sum() / decisions / 1000.0);
        n.put("maxMicros", c == null ? 0 : c.maxNanos.get() / 1000.0);
        return n;
    }
}
