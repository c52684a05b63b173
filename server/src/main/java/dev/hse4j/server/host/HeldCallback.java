package dev.hse4j.server.host;

import org.eclipse.jetty.util.Callback;

/**
 * The exchange's callback, whose completion can be held while the procedure runs on a worker thread. Jetty
 * writes the access log line when the exchange's callback completes and its handler call has returned; when the
 * host hands a procedure to a worker, the handler call returns at once, so without the hold an exchange the
 * server ends early (a limit's 408/413, closeConnection, a timeout) would be logged before the procedure set
 * its log data. Held, it completes when the procedure returns, as if the procedure had run inside Jetty's call.
 * The response's bytes are not held: only the completion.
 */
final class HeldCallback implements Callback {

    private final Callback callback;
    // Guarded by this.
    private boolean held;
    private boolean completed;
    private Throwable failure;

    HeldCallback(Callback callback) {
        this.callback = callback;
    }

    /** From now until {@link #release()}, a completion waits. */
    synchronized void hold() {
        held = true;
    }

    /** Ends the hold; a completion that waited is delivered now, on this thread. */
    void release() {
        Throwable f;
        synchronized (this) {
            held = false;
            if (!completed) {
                return;
            }
            f = failure;
        }
        deliver(f);
    }

    @Override
    public void succeeded() {
        synchronized (this) {
            if (held) {
                completed = true;
                return;
            }
        }
        callback.succeeded();
    }

    @Override
    public void failed(Throwable x) {
        synchronized (this) {
            if (held) {
                completed = true;
                failure = x;
                return;
            }
        }
        callback.failed(x);
    }

    private void deliver(Throwable f) {
        if (f == null) {
            callback.succeeded();
        } else {
            callback.failed(f);
        }
    }

    @Override
    public InvocationType getInvocationType() {
        return callback.getInvocationType();
    }
}
