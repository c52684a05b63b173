package dev.hse4j.server.proxy;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the PROXY-protocol listeners, shared by all of a server's listeners. Thread-safe. */
public final class ProxyStats {

    private final Map<Rejection, LongAdder> rejected = new EnumMap<>(Rejection.class);
    private final LongAdder v1 = new LongAdder();
    private final LongAdder v2 = new LongAdder();
    private final LongAdder local = new LongAdder();
    private final LongAdder headerBytesRead = new LongAdder();

    /** Creates zeroed counters. */
    public ProxyStats() {
        for (Rejection r : Rejection.values()) {
            rejected.put(r, new LongAdder());
        }
    }

    void reject(Rejection why) {
        rejected.get(why).increment();
    }

    void accepted(int version, boolean isLocal) {
        if (isLocal) {
            local.increment();
        } else if (version == 1) {
            v1.increment();
        } else {
            v2.increment();
        }
    }

    void headerBytesRead(int n) {
        headerBytesRead.add(n);
    }

    /** @param why a reason @return connections refused or closed for it */
    public long rejected(Rejection why) {
        return rejected.get(why).sum();
    }

    /** @return connections accepted with a v1 header */
    public long acceptedV1() {
        return v1.sum();
    }

    /** @return connections accepted with a v2 PROXY header */
    public long acceptedV2() {
        return v2.sum();
    }

    /** @return connections accepted with a v2 LOCAL header (health checks): no record */
    public long acceptedLocal() {
        return local.sum();
    }

    /** @return bytes the PROXY layer read from connections before handing them on (or closing them) */
    public long headerBytesRead() {
        return headerBytesRead.sum();
    }

    /** @return the counters as a map, for the status document: accepted and rejected by reason */
    public Map<String, Object> toMap() {
        Map<String, Long> rej = new java.util.LinkedHashMap<>();
        for (Rejection r : Rejection.values()) {
            rej.put(r.name().toLowerCase(java.util.Locale.ROOT), rejected(r));
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("acceptedV1", acceptedV1());
        m.put("acceptedV2", acceptedV2());
        m.put("acceptedLocal", acceptedLocal());
        m.put("rejected", rej);
        return m;
    }
}
