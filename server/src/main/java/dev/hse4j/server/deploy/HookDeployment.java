package dev.hse4j.server.deploy;

import dev.hse4j.api.AdmissionHook;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One deployed version of one {@link AdmissionHook}: its instance and its jar's class loader, shared with
 * the jar's extensions.
 *
 * <p>The hook registry holds one reference while the version judges new connections, and every connection
 * it accepted holds one until its close notification has been delivered ({@link #tryAcquire()} /
 * {@link #release()}). {@link #retire()} drops the registry's; when the last reference goes, the jar's
 * class loader is released (closed once nothing of the jar is left, then leak-watched like an extension's).
 */
public final class HookDeployment {

    /** Where a hook version is in its life. */
    public enum State {
        /** Judges new connections. */
        ACTIVE,
        /** Replaced or removed; waiting for the connections it accepted to close. */
        DRAINING,
        /** No connection left; its class loader is released. */
        TERMINATED
    }

    private final AdmissionHook hook;
    private final String className;
    private final Path jar;
    private final int position;
    private final JarHandle handle;
    private final String name;
    private final Instant deployedAt = Instant.now();
    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile State state = State.ACTIVE;

    HookDeployment(AdmissionHook hook, Path jar, int position, JarHandle handle) {
        this.hook = hook;
        this.className = hook.getClass().getName();
        this.jar = jar;
        this.position = position;
        this.handle = handle;
        this.name = jar.getFileName() + "!" + className; // built once: looked up on every connection
        handle.addUser();
        handle.describe("admission hook " + className, "admission hook");
    }

    /** @return the hook instance */
    public AdmissionHook hook() { return hook; }
    /** @return the hook's class name */
    public String className() { return className; }
    /** @return the jar it was deployed from (in the extensions directory) */
    public Path jar() { return jar; }
    /** @return the jar's file name */
    public String jarName() { return jar.getFileName().toString(); }
    /** @return its place among the jar's hooks (manifest order, then service-file order), from 0 */
    public int position() { return position; }
    /** @return the name it is counted and logged under: {@code <jar file>!<class>} */
    public String name() { return name; }
    /** @return the SHA-256 of the jar's bytes, in hex */
    public String jarSha256() { return handle.sha256(); }
    /** @return when it was deployed */
    public Instant deployedAt() { return deployedAt; }
    /** @return its state */
    public State state() { return state; }
    /** @return references held (the registry's while active, plus one per accepted connection still open) */
    public int references() { return refs.get(); }

    /** @return {@code true} if a reference was taken (the version is active); the caller must {@link #release()} it */
    public boolean tryAcquire() {
        while (true) {
            int r = refs.get();
            if (r == 0 || state != State.ACTIVE) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Drops one reference; the last one releases the jar. */
    public void release() {
        if (refs.decrementAndGet() == 0) {
            terminate();
        }
    }

    /** Stops judging new connections; the jar is released when the last connection it accepted closes. */
    public void retire() {
        synchronized (this) {
            if (state != State.ACTIVE) {
                return;
            }
            state = State.DRAINING;
        }
        release();
    }

    private void terminate() {
        synchronized (this) {
            if (state == State.TERMINATED) {
                return;
            }
            state = State.TERMINATED;
        }
        handle.release();
    }

    /** Drops a version that never judged (its jar failed to deploy as a whole). */
    void discard() {
        synchronized (this) {
            if (state == State.TERMINATED) {
                return;
            }
            state = State.TERMINATED;
        }
        handle.release();
    }

    /**
     * Runs hook code with its class loader as the thread's context class loader.
     *
     * @param call the hook call
     * @param <T> its result
     * @return its result
     * @throws Exception what it threw
     */
    public <T> T withContextLoader(Callable<T> call) throws Exception {
        return handle.withContextLoader(call);
    }

    @Override
    public String toString() {
        return name() + " [" + state + "]";
    }
}
