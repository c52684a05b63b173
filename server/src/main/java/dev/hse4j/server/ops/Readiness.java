package dev.hse4j.server.ops;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether this node should get traffic ({@code /hse/ready}), as opposed to whether it is alive
 * ({@code /hse/health}).
 *
 * <pre>
 *   STARTING --started()--&gt; READY --draining()--&gt; DRAINING
 *       \______________________draining()______________/^
 * </pre>
 * STARTING: the ports are open, extensions still load. DRAINING: a SIGTERM came; the node still serves
 * for the grace period, then stops accepting. Transitions happen only in {@link #move}.
 */
public final class Readiness {

    /** The states. */
    public enum State { STARTING, READY, DRAINING }

    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

    /** The start-up deploys are done. */
    public void started() {
        move(State.STARTING, State.READY);
    }

    /** A shutdown began: from now on, not ready. @return whether this call began it (false if already draining) */
    public boolean draining() {
        return move(null, State.DRAINING);
    }

    /** @param from the state required, or {@code null} for any but {@code to} @param to the new state */
    private boolean move(State from, State to) {
        while (true) {
            State now = state.get();
            if (now == to || (from != null && now != from)) {
                return false;
            }
            if (state.compareAndSet(now, to)) {
                return true;
            }
        }
    }

    /** @return the state */
    public State state() {
        return state.get();
    }

    /** @return whether to answer {@code /hse/ready} with 200 */
    public boolean isReady() {
        return state.get() == State.READY;
    }
}
