package dev.hse4j.server.host;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Server-wide counters of the extension host (one instance per server). */
public final class HostStats {

    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger liveSessions = new AtomicInteger();
    private final AtomicInteger pendingSessions = new AtomicInteger();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong sessionTimeouts = new AtomicLong();

    void started() {
        requests.incrementAndGet();
        liveSessions.incrementAndGet();
    }

    void pending() {
        pendingSessions.incrementAndGet();
    }

    void ended(RequestIo.End how, boolean wasPending) {
        liveSessions.decrementAndGet();
        if (wasPending) {
            pendingSessions.decrementAndGet();
        }
        if (how != RequestIo.End.OK) {
            errors.incrementAndGet();
        }
        if (how == RequestIo.End.TIMEOUT) {
            sessionTimeouts.incrementAndGet();
        }
    }

    /** @return extension requests started */
    public long requests() { return requests.get(); }
    /** @return sessions not yet ended (their ECB is alive) */
    public int liveSessions() { return liveSessions.get(); }
    /** @return live sessions whose procedure returned PENDING */
    public int pendingSessions() { return pendingSessions.get(); }
    /** @return sessions that ended in ERROR, an exception or a timeout */
    public long errors() { return errors.get(); }
    /** @return sessions ended by the session timeout */
    public long sessionTimeouts() { return sessionTimeouts.get(); }
}
