package dev.hse4j.server.deploy;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.TerminateMode;
import dev.hse4j.server.strict.StrictPolicy;
import dev.hse4j.server.strict.ThreadCheck;
import dev.hse4j.server.limits.Bulkhead;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed version of one extension: its instance, class loader, settings and counters.
 *
 * <p>Requests hold a reference ({@link #tryAcquire()} / {@link #release()}) while the deployment takes
 * traffic. After {@link #retire()} the deployment is {@link State#DRAINING}, takes no new request, and
 * the requests it has (PENDING sessions included) finish on it. When the last one ends, the extension is
 * asked to unload with {@link TerminateMode#ADVISORY}; if it agrees, or at the latest when the drain timeout
 * runs out ({@link TerminateMode#MUST}), it is terminated and its class loader closed. Sessions still open at the
 * drain timeout are aborted first. The lifecycle steps run on the {@link Retirement} thread, never on a
 * request thread.
 */
public final class Deployment {

    private static final Logger LOG = LoggerFactory.getLogger(Deployment.class);

    /** Where a deployment is in its life. */
    public enum State {
        /** Takes new requests. */
        ACTIVE,
        /** Replaced or removed; finishing the requests it has. */
        DRAINING,
        /** No request left, but it refused the ADVISORY unload: MUST follows at the drain timeout. */
        UNLOADING,
        /** Terminated; its class loader is closed. */
        TERMINATED
    }

    /** A session running on this deployment, which the drain timeout may have to abort. */
    public interface LiveSession {
        /** Ends the session now: the extension is being unloaded and its drain time ran out. */
        void abortForUnload();
    }

    private final String name;
    private final HttpExtension extension;
    private final ExtensionVersion version;
    private final Path jar;
    private final JarHandle handle;
    private final int readAheadBytes;
    private final Duration sessionTimeout;
    private final ExtensionResources resources;
    private final StrictPolicy strict;
    private final Bulkhead bulkhead;
    private final long maxRequestBody;
    private final boolean redirectRecords;
    private final boolean nonBlocking;
    private final Instant deployedAt = Instant.now();
    private final RequestHolds holds = new RequestHolds(); // requests on this deployment
    private final AtomicBoolean drainSignalled = new AtomicBoolean();
    private final AtomicInteger pendingSessions = new AtomicInteger();
    private final LongAdder requests = new LongAdder(); // striped: every request counts it, two threads at once
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong sessionTimeouts = new AtomicLong();
    private final Set<LiveSession> sessions = ConcurrentHashMap.newKeySet();
    private volatile State state = State.ACTIVE;
    private volatile Retirement retirement;
    private volatile Instant retiredAt;
    private volatile long retiredNanos;
    private volatile Instant terminatedAt;
    private volatile String unloadNote = "";
    private volatile UnhealthyReport unhealthy;
    private boolean advisoryAsked; // guarded by this
    private String terminateNote; // guarded by this

    Deployment(String name, HttpExtension extension, ExtensionVersion version, Path jar, JarHandle handle,
               int readAheadBytes, Duration sessionTimeout, ExtensionResources resources, Bulkhead bulkhead,
               long maxRequestBody, StrictPolicy strict, boolean redirectRecords, boolean nonBlocking) {
        this.resources = resources;
        this.bulkhead = bulkhead;
        this.maxRequestBody = maxRequestBody;
        this.strict = strict;
        this.name = name;
        this.extension = extension;
        this.version = version;
        this.jar = jar;
        this.handle = handle;
        handle.addUser();
        handle.describe(name, version.description());
        this.readAheadBytes = readAheadBytes;
        this.sessionTimeout = sessionTimeout;
        this.redirectRecords = redirectRecords;
        this.nonBlocking = nonBlocking;
    }

    /** @return the mount name, {@code /ext/<name>} */
    public String name() { return name; }
    /** @return the extension instance */
    public HttpExtension extension() { return extension; }
    /** @return what getExtensionVersion answered */
    public ExtensionVersion version() { return version; }
    /** @return the jar it was deployed from (in the extensions directory) */
    public Path jar() { return jar; }
    /** @return the private copy of the jar it was loaded from */
    public Path shadowJar() { return handle.shadowJar(); }
    /** @return the SHA-256 of the jar's bytes, in hex */
    public String jarSha256() { return handle.sha256(); }
    /** @return the jar manifest's {@code Implementation-Version}, or {@code null} */
    public String implementationVersion() { return handle.implementationVersion(); }
    /** @return the extension's class loader */
    public ClassLoader classLoader() { return handle.loader(); }
    /** @return the preloaded body size for this extension */
    public int readAheadBytes() { return readAheadBytes; }
    /** @return its context and outbound connections, closed when it is terminated */
    public ExtensionResources resources() { return resources; }
    /** @return strict mode for this extension, or {@code null} when it does not run strict */
    public StrictPolicy strict() { return strict; }
    /** @return the PENDING session timeout for this extension */
    public Duration sessionTimeout() { return sessionTimeout; }
    /** @return how many of its requests may run in its procedure or synchronous I/O at once */
    public Bulkhead bulkhead() { return bulkhead; }
    /** @return the largest request body it accepts, in bytes; 0 = no limit */
    public long maxRequestBody() { return maxRequestBody; }
    /** @return whether its settings ask for redirect records (PROXY headers) */
    public boolean redirectRecords() { return redirectRecords; }

    /** @return whether the extension declared that its procedure never blocks ({@code ExtensionSettings.nonBlocking}) */
    public boolean nonBlocking() { return nonBlocking; }
    /** @return when it was deployed */
    public Instant deployedAt() { return deployedAt; }
    /** @return when it stopped taking new requests, or {@code null} while active */
    public Instant retiredAt() { return retiredAt; }
    /** @return when it was terminated, or {@code null} */
    public Instant terminatedAt() { return terminatedAt; }
    /** @return how the unload went (agreed, refused then forced...), empty before */
    public String unloadNote() { return unloadNote; }
    /** @return its state */
    public State state() { return state; }
    /** @return requests started on it */
    public long requests() { return requests.sum(); }
    /** @return requests that ended in ERROR, an exception or a timeout */
    public long errors() { return errors.get(); }
    /** @return sessions ended by the session timeout */
    public long sessionTimeouts() { return sessionTimeouts.get(); }
    /** @return requests in progress */
    public int inFlight() {
        return (int) Math.max(0, holds.sum());
    }
    /** @return requests in progress whose procedure returned PENDING */
    public int pendingSessions() { return pendingSessions.get(); }

    /** Hands the lifecycle steps after retirement to {@code r} (done by the registry at install). */
    void attach(Retirement r) {
        this.retirement = r;
    }

    /** @return {@code true} if a reference was taken; the caller must {@link #release()} it */
    public boolean tryAcquire() {
        if (state != State.ACTIVE) {
            return false;
        }
        holds.add();
        if (state != State.ACTIVE) { // retired in between: take nothing (see RequestHolds for why this is safe)
            holds.drop();
            drainedIfEmpty();
            return false;
        }
        requests.increment();
        return true;
    }

    /** Ends a request's hold on this deployment. */
    public void release() {
        holds.drop();
        if (state != State.ACTIVE) {
            drainedIfEmpty();
        }
    }

    /** After retirement: the first to find no request holding it drains it, once. */
    private void drainedIfEmpty() {
        if (holds.sum() == 0 && drainSignalled.compareAndSet(false, true)) {
            drained();
        }
    }

    /** @param s a session that started on this deployment (after {@link #tryAcquire()}) */
    public void sessionStarted(LiveSession s) { sessions.add(s); }
    /** @param s a session that ended (before {@link #release()}) */
    public void sessionEnded(LiveSession s) { sessions.remove(s); }
    /** A request's procedure returned PENDING. */
    public void sessionPending() { pendingSessions.incrementAndGet(); }
    /** A PENDING request ended. */
    public void sessionPendingEnded() { pendingSessions.decrementAndGet(); }
    /** A request failed. */
    public void countError() { errors.incrementAndGet(); }
    /** A PENDING request timed out. */
    public void countSessionTimeout() { sessionTimeouts.incrementAndGet(); }

    /** Stops new requests; the extension terminates when the last in-flight one ends (or the drain timeout). */
    public void retire() {
        synchronized (this) {
            if (state != State.ACTIVE) {
                return;
            }
            retiredNanos = System.nanoTime();
            retiredAt = Instant.now();
            state = State.DRAINING;
        }
        Retirement r = retirement;
        if (r != null) {
            r.retired(this);
        }
        drainedIfEmpty();
    }

    private void drained() {
        Retirement r = retirement;
        if (r != null) {
            r.drained(this);
        } else {
            finishDrain(true);
        }
    }

    /** @return nanoTime of the retirement */
    long retiredNanos() {
        return retiredNanos;
    }

    /**
     * No request is left (or the drain time is over): ask the extension to unload. Runs on the retirement
     * thread.
     *
     * @param deadlinePassed whether the drain timeout has run out, so a refused ADVISORY becomes MUST
     */
    synchronized void finishDrain(boolean deadlinePassed) {
        if (state == State.TERMINATED || state == State.ACTIVE) {
            return;
        }
        if (!advisoryAsked && deadlinePassed) {
            // The drain time ran out before the last request ended: no more asking (README, --help).
            advisoryAsked = true;
            callTerminate(TerminateMode.MUST);
            finish("unloaded (MUST at the drain timeout)");
            return;
        }
        if (!advisoryAsked) {
            advisoryAsked = true;
            if (callTerminate(TerminateMode.ADVISORY)) {
                finish("unloaded (ADVISORY accepted)");
                return;
            }
            if (terminateNote != null) {
                // It did not answer at all: not a refusal to wait for, an unresponsive extension.
                callTerminate(TerminateMode.MUST);
                finish("unloaded (no answer to ADVISORY, then MUST)");
                return;
            }
            state = State.UNLOADING;
            unloadNote = "refused the ADVISORY unload; MUST follows at the drain timeout";
            LOG.info("extension {} ({}) refused the ADVISORY unload; it is unloaded (MUST) at the drain timeout",
                    name, jar.getFileName());
        }
        if (deadlinePassed) {
            callTerminate(TerminateMode.MUST);
            finish("unloaded (ADVISORY refused, then MUST at the drain timeout)");
        }
    }

    /**
     * The drain timeout ran out: aborts the sessions still open on this deployment.
     *
     * @return how many sessions were aborted
     */
    int abortSessions() {
        List<LiveSession> open;
        synchronized (this) {
            if (state == State.TERMINATED) {
                return 0;
            }
            open = List.copyOf(sessions);
        }
        if (!open.isEmpty()) {
            LOG.warn("extension {} ({}): drain timeout; aborting {} session(s) still open on the retired version",
                    name, jar.getFileName(), open.size());
        }
        for (LiveSession s : open) {
            try {
                s.abortForUnload();
            } catch (RuntimeException e) {
                LOG.warn("aborting a session of {} failed: {}", name, e.toString());
            }
        }
        return open.size();
    }

    private boolean callTerminate(TerminateMode mode) {
        Retirement r = retirement;
        Duration limit = r == null ? Retirement.DEFAULT_TERMINATE_TIMEOUT : r.terminateTimeout();
        // On a thread of its own: a terminateExtension that never returns must not stall every later unload.
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                Boolean agreed = withContextLoader(() -> extension.terminateExtension(mode));
                f.complete(agreed == null || agreed);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "hse4j-terminate-" + name);
        t.setDaemon(true);
        t.start();
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.error("extension {} ({}): terminateExtension({}) did not return within {} ms; going on without it "
                    + "(thread {} is left behind)", name, jar.getFileName(), mode, limit.toMillis(), t.getName());
            terminateNote = "terminateExtension(" + mode + ") did not return within " + limit.toMillis() + " ms";
            return mode == TerminateMode.MUST;
        } catch (ExecutionException e) {
            LOG.warn("extension {} ({}) threw from terminateExtension({}): {}", name, jar.getFileName(), mode,
                    e.getCause().toString());
            return mode == TerminateMode.MUST; // a throwing ADVISORY counts as a refusal
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void finish(String note) {
        state = State.TERMINATED;
        terminatedAt = Instant.now();
        int stuck = inFlight();
        String n = terminateNote == null ? note : note + "; " + terminateNote;
        unloadNote = stuck > 0 ? n + "; " + stuck + " request(s) were still running inside it" : n;
        if (stuck > 0) {
            LOG.error("extension {} ({}) unloaded with {} request(s) still running inside it (procedure did not "
                    + "return)", name, jar.getFileName(), stuck);
        }
        if (strict != null) {
            // Before the loader is closed: the threads are found by it.
            ThreadCheck.afterTerminate(name, handle.loader(), strict.config().threadGrace(), strict.reports());
        }
        closeLoader();
        Retirement r = retirement;
        if (r != null) {
            r.terminated(this);
        }
        LOG.info("extension {} ({}) terminated: {}", name, jar.getFileName(), unloadNote);
    }

    /**
     * The extension's own report that it is unhealthy (HSE_REQ_REPORT_UNHEALTHY).
     *
     * @param reason why, as the extension said (cleaned, possibly empty)
     * @param at when it was last reported
     * @param count how many times it was reported
     */
    public record UnhealthyReport(String reason, Instant at, long count) {
    }

    /**
     * Marks this version unhealthy (until it is replaced): shown on the status page and, when the server is
     * told so, taking the node out of rotation. The last reason wins.
     *
     * @param reason why, already cleaned of control characters
     */
    public void reportUnhealthy(String reason) {
        UnhealthyReport before;
        synchronized (this) {
            before = unhealthy;
            unhealthy = new UnhealthyReport(reason, Instant.now(), before == null ? 1 : before.count() + 1);
        }
        if (before == null || !before.reason().equals(reason)) {
            LOG.warn("extension {} reports itself unhealthy: {}", name, reason.isEmpty() ? "(no reason given)" : reason);
        }
    }

    /** @return the extension's unhealthy report, or {@code null} while it has made none */
    public UnhealthyReport unhealthy() {
        return unhealthy;
    }

    /**
     * Runs the extension's {@code httpExtensionProc} with its class loader as the thread's context loader.
     *
     * @param ecb the request
     * @return what the procedure returned
     * @throws Exception what the procedure threw
     */
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        return handle.httpExtensionProc(extension, ecb);
    }

    /**
     * Runs extension code with its class loader as the thread's context class loader.
     *
     * @param call the extension call
     * @param <T> its result
     * @return its result
     * @throws Exception what it threw
     */
    public <T> T withContextLoader(Callable<T> call) throws Exception {
        return handle.withContextLoader(call);
    }

    /** Drops a deployment that never served: terminates it (MUST) and releases its jar. */
    void discard() {
        synchronized (this) {
            if (state == State.TERMINATED) {
                return;
            }
            state = State.TERMINATED;
            terminatedAt = Instant.now();
        }
        try {
            withContextLoader(() -> extension.terminateExtension(TerminateMode.MUST));
        } catch (Throwable t) {
            LOG.debug("terminateExtension of discarded {} threw", name, t);
        }
        closeLoader();
    }

    void closeLoader() {
        resources.close(); // its outbound connections end with the version that opened them
        handle.release();
    }

    @Override
    public String toString() {
        return name + " " + version + " from " + jar.getFileName() + " [" + state + "]";
    }
}
