package dev.hse4j.server.deploy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a deployment after it stops taking traffic: it drains, is asked to unload (ADVISORY),
 * is made to unload at the drain timeout (open sessions aborted, then MUST), and its class loader is
 * closed and handed to the {@link LeakWatch}. Every step runs on one thread of its own, so extension
 * {@code terminateExtension} code never runs on a request thread and the steps of one deployment never race.
 */
public final class Retirement implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Retirement.class);
    /** After aborting the sessions at the drain timeout, how long their ends may take before the unload. */
    private static final long ABORT_GRACE_MILLIS = 1_000;

    /** How long one terminateExtension call may take before the unload goes on without it. */
    public static final Duration DEFAULT_TERMINATE_TIMEOUT = Duration.ofSeconds(30);

    private final Duration drainTimeout;
    private volatile Duration terminateTimeout = DEFAULT_TERMINATE_TIMEOUT;
    private final LeakWatch leakWatch = new LeakWatch();
    // A retired deployment and its drain-timeout task; the task is cancelled (and dropped from the queue) at
    // termination so that nothing holds the deployment, hence its class loader, any longer.
    private final Map<Deployment, Future<?>> retiring = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "hse4j-retire");
        t.setDaemon(true);
        return t;
    });

    /** @param drainTimeout how long a retired deployment may keep running */
    public Retirement(Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
        thread.setRemoveOnCancelPolicy(true);
    }

    /** @return the drain timeout */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** @return how long one terminateExtension call may take */
    public Duration terminateTimeout() {
        return terminateTimeout;
    }

    /** @param t how long one terminateExtension call may take before the unload goes on without it */
    public void terminateTimeout(Duration t) {
        this.terminateTimeout = t;
    }

    /** @return the watch over closed class loaders */
    public LeakWatch leakWatch() {
        return leakWatch;
    }

    /** @return retired deployments not yet terminated (draining or unloading), oldest first */
    public List<Deployment> retiring() {
        List<Deployment> out = new ArrayList<>(retiring.keySet());
        out.sort(Comparator.comparing(Deployment::retiredAt));
        return out;
    }

    void retired(Deployment d) {
        retiring.put(d, CompletableFuture.completedFuture(null));
        Future<?> task = run(() -> drainTimedOut(d), drainTimeout.toMillis());
        if (task != null) {
            retiring.replace(d, task);
            if (d.state() == Deployment.State.TERMINATED) {
                task.cancel(false);
            }
        }
    }

    void drained(Deployment d) {
        run(() -> d.finishDrain(deadlinePassed(d)), 0);
    }

    void terminated(Deployment d) {
        Future<?> task = retiring.remove(d);
        if (task != null) {
            task.cancel(false);
        }
    }

    private boolean deadlinePassed(Deployment d) {
        return System.nanoTime() - d.retiredNanos() >= drainTimeout.toNanos();
    }

    private void drainTimedOut(Deployment d) {
        if (d.state() == Deployment.State.TERMINATED) {
            return;
        }
        if (d.inFlight() > 0) {
            d.abortSessions();
            if (d.inFlight() > 0) {
                // Aborted sessions end through their own completions; give them a moment, then unload regardless.
                Future<?> grace = run(() -> d.finishDrain(true), ABORT_GRACE_MILLIS);
                if (grace != null) {
                    retiring.replace(d, grace);
                }
                return;
            }
        }
        d.finishDrain(true);
    }

    private Future<?> run(Runnable step, long delayMillis) {
        try {
            return thread.schedule(guarded(step), Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            if (delayMillis <= 0) {
                guarded(step).run(); // stopped: do it here
            }
            return null;
        }
    }

    private static Runnable guarded(Runnable step) {
        return () -> {
            try {
                step.run();
            } catch (Throwable t) {
                LOG.error("retirement step failed", t);
            }
        };
    }

    /**
     * Server stop: every retired deployment still running is unloaded now (open sessions aborted,
     * ADVISORY, then MUST if refused), then the thread stops.
     */
    @Override
    public void close() {
        List<Deployment> left = retiring();
        try {
            thread.submit(() -> {
                for (Deployment d : left) {
                    d.abortSessions();
                    d.finishDrain(true);
                }
            }).get(30, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // already closed
        } catch (Exception e) {
            LOG.warn("unloading retired extensions at stop: {}", e.toString());
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
