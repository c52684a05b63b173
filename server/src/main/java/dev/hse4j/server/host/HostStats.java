package dev.hse4j.server.host;

import dev.hse4j.server.web.ServingCounts;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide counters of the extension host (one instance per server), and the one place per-extension
 * session events are reported to an {@link Observer} (the metrics).
 */
public final class HostStats implements ServingCounts {

    /** How a session ended, as the metrics name it. */
    public enum Outcome { OK, ERROR, TIMEOUT }

    /** Told of every extension session's end and asynchronous completion; called on server threads. */
    public interface Observer {
        /**
         * @param extension the mount name
         * @param outcome how the session ended
         * @param wasPending whether its procedure returned PENDING
         */
        void sessionEnded(String extension, Outcome outcome, boolean wasPending);

        /** @param extension the mount name @param code the completion's Win32 code (0 = success) */
        void asyncCompleted(String extension, int code);
    }

    private static final Outcome[] OUTCOMES = outcomes(); // by End's ordinal: valueOf(name) per request hashed a name

    private volatile Observer observer;

    private static Outcome[] outcomes() {
        RequestIo.End[] ends = RequestIo.End.values();
        Outcome[] o = new Outcome[ends.length];
        for (RequestIo.End e : ends) {
            o[e.ordinal()] = Outcome.valueOf(e.name());
        }
        return o;
    }

    /** @param o told of session ends and completions from now on (one observer; {@code null} for none) */
    public void observer(Observer o) {
        this.observer = o;
    }

    void asyncCompleted(String extension, int code) {
        Observer o = observer;
        if (o != null) {
            o.asyncCompleted(extension, code);
        }
    }

    void ended(String extension, RequestIo.End how, boolean wasPending) {
        ended(how, wasPending);
        Observer o = observer;
        if (o != null) {
            o.sessionEnded(extension, OUTCOMES[how.ordinal()], wasPending);
        }
    }

    // Touched by every request on every core: adders, not one contended word (read only by the status page).
    private final LongAdder requests = new LongAdder();
    private final LongAdder liveSessions = new LongAdder();
    private final AtomicInteger pendingSessions = new AtomicInteger();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong sessionTimeouts = new AtomicLong();

    void started() {
        requests.increment();
        liveSessions.increment();
    }

    void pending() {
        pendingSessions.incrementAndGet();
    }

    void ended(RequestIo.End how, boolean wasPending) {
        liveSessions.decrement();
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
    @Override
    public long requests() { return requests.sum(); }
    /** @return sessions not yet ended (their ECB is alive) */
    @Override
    public int liveSessions() { return (int) liveSessions.sum(); }
    /** @return live sessions whose procedure returned PENDING */
    @Override
    public int pendingSessions() { return pendingSessions.get(); }
    /** @return sessions that ended in ERROR, an exception or a timeout */
    @Override
    public long errors() { return errors.get(); }
    /** @return sessions ended by the session timeout */
    @Override
    public long sessionTimeouts() { return sessionTimeouts.get(); }
}
