package dev.hse4j.server.host;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one request's completions, one at a time, without recursion.
 *
 * <p>A completion that arrives while another is being delivered is queued and run by the delivering
 * thread after the current one returns, so a completion that starts the next operation (which may
 * complete at once) never grows the stack. A completion that arrives inside the very call that started
 * its operation is handed to the executor: the extension never sees its callback before its call returned.
 */
final class CompletionDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(CompletionDispatcher.class);

    private final Executor executor;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>(2);
    private boolean draining;
    private Thread initiator;

    CompletionDispatcher(Executor executor) {
        this.executor = executor;
    }

    /** Marks the current thread as inside a call that starts an operation. */
    synchronized void enterInitiation() {
        initiator = Thread.currentThread();
    }

    /** Ends {@link #enterInitiation()}. */
    synchronized void exitInitiation() {
        initiator = null;
    }

    void dispatch(Runnable completion) {
        dispatch(completion, true);
    }

    /**
     * @param completion the completion to deliver
     * @param mayRunHere {@code false} when the calling thread must not run extension code (a Jetty
     *     demand callback: Jetty serialises those, so an extension blocking in one would wait forever for
     *     the next)
     */
    void dispatch(Runnable completion, boolean mayRunHere) {
        boolean runHere;
        synchronized (this) {
            queue.add(completion);
            if (draining) {
                return;
            }
            draining = true;
            runHere = mayRunHere && Thread.currentThread() != initiator;
        }
        if (runHere) {
            drain();
        } else {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    draining = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (Throwable t) {
                LOG.warn("completion delivery failed", t);
            }
        }
    }
}
