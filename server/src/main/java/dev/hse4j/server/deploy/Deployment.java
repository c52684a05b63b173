package dev.hse4j.server.deploy;

import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.TerminateMode;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed version of one extension: its instance, class loader, settings and counters.
 *
 * <p>Requests hold a reference ({@link #tryAcquire()} / {@link #release()}) and the registry holds one
 * while the deployment takes traffic. {@link #retire()} drops the registry's; the last release then
 * terminates the extension and closes its class loader, so in-flight and pending requests always finish
 * on the version they started on.
 */
public final class Deployment {

    private static final Logger LOG = LoggerFactory.getLogger(Deployment.class);

    /** Where a deployment is in its life. */
    public enum State {
        /** Takes new requests. */
        ACTIVE,
        /** Replaced or removed; finishing the requests it has. */
        DRAINING,
        /** Terminated; its class loader is closed. */
        TERMINATED
    }

    private final String name;
    private final HttpExtension extension;
    private final ExtensionVersion version;
    private final Path jar;
    private final JarHandle handle;
    private final int readAheadBytes;
    private final Duration sessionTimeout;
    private final Instant deployedAt = Instant.now();
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pendingSessions = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong sessionTimeouts = new AtomicLong();
    private volatile State state = State.ACTIVE;
    private volatile Consumer<Deployment> onTerminated = d -> { };

    Deployment(String name, HttpExtension extension, ExtensionVersion version, Path jar, JarHandle handle,
               int readAheadBytes, Duration sessionTimeout) {
        this.name = name;
        this.extension = extension;
        this.version = version;
        this.jar = jar;
        this.handle = handle;
        handle.addUser();
        this.readAheadBytes = readAheadBytes;
        this.sessionTimeout = sessionTimeout;
    }

    /** @return the mount name, {@code /ext/<name>} */
    public String name() { return name; }
    /** @return the extension instance */
    public HttpExtension extension() { return extension; }
    /** @return what getExtensionVersion answered */
    public ExtensionVersion version() { return version; }
    /** @return the jar it was deployed from */
    public Path jar() { return jar; }
    /** @return the extension's class loader */
    public ClassLoader classLoader() { return handle.loader(); }
    /** @return the preloaded body size for this extension */
    public int readAheadBytes() { return readAheadBytes; }
    /** @return the PENDING session timeout for this extension */
    public Duration sessionTimeout() { return sessionTimeout; }
    /** @return when it was deployed */
    public Instant deployedAt() { return deployedAt; }
    /** @return its state */
    public State state() { return state; }
    /** @return requests started on it */
    public long requests() { return requests.get(); }
    /** @return requests that ended in ERROR, an exception or a timeout */
    public long errors() { return errors.get(); }
    /** @return sessions ended by the session timeout */
    public long sessionTimeouts() { return sessionTimeouts.get(); }
    /** @return requests in progress */
    public int inFlight() { return inFlight.get(); }
    /** @return requests in progress whose procedure returned PENDING */
    public int pendingSessions() { return pendingSessions.get(); }

    void onTerminated(Consumer<Deployment> listener) {
        this.onTerminated = listener;
    }

    /** @return {@code true} if a reference was taken; the caller must {@link #release()} it */
    public boolean tryAcquire() {
        while (true) {
            int r = refs.get();
            if (r == 0 || state != State.ACTIVE) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                inFlight.incrementAndGet();
                requests.incrementAndGet();
                return true;
            }
        }
    }

    /** Ends a request's hold on this deployment. */
    public void release() {
        inFlight.decrementAndGet();
        if (refs.decrementAndGet() == 0) {
            terminate();
        }
    }

    /** A request's procedure returned PENDING. */
    public void sessionPending() { pendingSessions.incrementAndGet(); }
    /** A PENDING request ended. */
    public void sessionPendingEnded() { pendingSessions.decrementAndGet(); }
    /** A request failed. */
    public void countError() { errors.incrementAndGet(); }
    /** A PENDING request timed out. */
    public void countSessionTimeout() { sessionTimeouts.incrementAndGet(); }

    /** Stops new requests; the extension terminates when the last in-flight one ends. */
    public void retire() {
        if (state == State.ACTIVE) {
            state = State.DRAINING;
            if (refs.decrementAndGet() == 0) {
                terminate();
            }
        }
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
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(handle.loader());
        try {
            return call.call();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    private void terminate() {
        synchronized (this) {
            if (state == State.TERMINATED) {
                return;
            }
            state = State.TERMINATED;
        }
        try {
            boolean agreed = withContextLoader(() -> extension.terminateExtension(TerminateMode.ADVISORY));
            if (!agreed) {
                // Nothing is left running on it, so there is no reason to wait: ISAPI's MUST follows.
                withContextLoader(() -> extension.terminateExtension(TerminateMode.MUST));
            }
        } catch (Throwable t) {
            LOG.warn("extension {} ({}) threw from terminateExtension: {}", name, jar.getFileName(), t.toString());
        }
        closeLoader();
        onTerminated.accept(this);
        LOG.info("extension {} ({}) terminated", name, jar.getFileName());
    }

    /** Drops a deployment that never served: terminates it (MUST) and releases its jar. */
    void discard() {
        state = State.TERMINATED;
        try {
            withContextLoader(() -> extension.terminateExtension(TerminateMode.MUST));
        } catch (Throwable t) {
            LOG.debug("terminateExtension of discarded {} threw", name, t);
        }
        closeLoader();
    }

    void closeLoader() {
        handle.release();
    }

    @Override
    public String toString() {
        return name + " " + version + " from " + jar.getFileName() + " [" + state + "]";
    }
}
