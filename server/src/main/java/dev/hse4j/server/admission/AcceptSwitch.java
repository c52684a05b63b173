package dev.hse4j.server.admission;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Whether one listener accepts: it does unless the connection cap is reached or an "insufficient resources"
 * verdict paused it. One place decides, so that the end of a pause never reopens a listener the cap closed,
 * nor the reverse.
 */
final class AcceptSwitch {

    private final AbstractConnector connector;
    private final Duration pause;
    private boolean limited; // guarded by this
    private boolean paused; // guarded by this

    AcceptSwitch(AbstractConnector connector, Duration pause) {
        this.connector = connector;
        this.pause = pause;
    }

    synchronized void limited(boolean on) {
        limited = on;
        apply();
    }

    /** @return whether a pause started (false if one is running already or pauses are off) */
    boolean pause() {
        if (pause.isZero()) {
            return false;
        }
        synchronized (this) {
            if (paused || !connector.isRunning()) {
                return false;
            }
            paused = true;
            apply();
        }
        Scheduler scheduler = connector.getScheduler();
        scheduler.schedule(() -> {
            synchronized (this) {
                paused = false;
                apply();
            }
        }, pause.toMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    synchronized boolean isPaused() {
        return paused;
    }

    private void apply() {
        if (connector.isRunning()) {
            connector.setAccepting(!(limited || paused));
        }
    }
}
