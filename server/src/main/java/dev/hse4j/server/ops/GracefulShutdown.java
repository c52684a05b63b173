package dev.hse4j.server.ops;

import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.HostStats;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a SIGTERM does, in order:
 * <ol>
 *   <li>{@code /hse/ready} answers 503 at once; everything else is still served for the grace period, so a
 *       load balancer's health check takes the node out before anyone is refused;</li>
 *   <li>the ports close (new connections are refused; responses on open connections say
 *       {@code Connection: close});</li>
 *   <li>in-flight and PENDING sessions may finish until the shutdown timeout;</li>
 *   <li>the server stops: sessions still open are cut, every extension gets {@code terminateExtension}
 *       ADVISORY, then MUST if it refuses, and the process exits 0.</li>
 * </ol>
 * A second signal skips whatever waiting is left. The log says how many sessions were drained and how many
 * were cut, per extension.
 */
public final class GracefulShutdown {

    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

    private final Duration grace;
    private final Duration timeout;
    private final Readiness readiness;
    private final Server jetty;
    private final HostStats stats;
    private final ExtensionRegistry registry;
    private final CountDownLatch hurry = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Object sessionEnds = new Object();
    private volatile boolean draining;

    GracefulShutdown(Duration grace, Duration timeout, Readiness readiness, Server jetty, HostStats stats,
                     ExtensionRegistry registry) {
        this.grace = grace;
        this.timeout = timeout;
        this.readiness = readiness;
        this.jetty = jetty;
        this.stats = stats;
        this.registry = registry;
    }

    /**
     * A session ended: wakes the wait for in-flight sessions, if a drain waits (every request ends here: outside a
     * drain it must not take a lock all cores share; a wake-up missed as the drain starts costs at most its 200 ms
     * wait slice).
     */
    void sessionEnded() {
        if (!draining) {
            return;
        }
        synchronized (sessionEnds) {
            sessionEnds.notifyAll();
        }
    }

    /**
     * A termination signal: the first begins the drain on a thread of its own and returns; a later one skips
     * the waiting left.
     *
     * @param stop stops the server (closes it) once drained; run on the drain thread
     * @param signal the signal's name, for the log
     */
    public void signal(Runnable stop, String signal) {
        if (readiness.draining()) {
            Thread t = new Thread(() -> run(stop, signal), "hse4j-drain");
            t.start();
        } else if (hurry.getCount() > 0) {
            LOG.warn("second {}: skipping the rest of the drain", signal);
            hurry.countDown();
        }
    }

    /** @param limit how long to wait @return whether the drain (and stop) finished */
    public boolean awaitDone(Duration limit) throws InterruptedException {
        return done.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run(Runnable stop, String signal) {
        try {
            LOG.info("{}: draining: /hse/ready answers 503; serving for the grace period ({} ms), then up to {} ms "
                    + "for open sessions to finish", signal, grace.toMillis(), timeout.toMillis());
            if (!grace.isZero()) {
                hurry.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
            Map<String, int[]> atClose = openSessions();
            for (Connector c : jetty.getConnectors()) {
                if (c instanceof NetworkConnector nc) {
                    nc.shutdown(); // closes the listening socket; open connections end after their response
                }
            }
            LOG.info("drain: stopped accepting; {} session(s) open ({})", stats.liveSessions(), describe(atClose));
            long deadline = System.nanoTime() + timeout.toNanos();
            draining = true;
            synchronized (sessionEnds) {
                while (stats.liveSessions() > 0 && hurry.getCount() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    sessionEnds.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
                }
            }
            Map<String, int[]> cut = openSessions();
            int cutCount = stats.liveSessions();
            int drained = total(atClose) - cutCount;
            if (cutCount == 0) {
                LOG.info("drain: all {} open session(s) finished; stopping", Math.max(0, drained));
            } else {
                LOG.warn("drain: {} session(s) finished, {} cut ({}) {}; stopping", Math.max(0, drained), cutCount,
                        describe(cut), hurry.getCount() == 0 ? "by a second signal" : "at the shutdown timeout");
            }
            stop.run();
            LOG.info("hse4j stopped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.run();
        } catch (RuntimeException e) {
            LOG.error("drain failed; stopping now", e);
            stop.run();
        } finally {
            done.countDown();
        }
    }

    /** @return per extension: {sessions open, of which PENDING} */
    private Map<String, int[]> openSessions() {
        Map<String, int[]> out = new TreeMap<>();
        for (Deployment d : registry.active()) {
            if (d.inFlight() > 0) {
                out.merge(d.name(), new int[] {d.inFlight(), d.pendingSessions()},
                        (a, b) -> new int[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        for (Deployment d : registry.retiring()) {
            if (d.inFlight() > 0) {
                out.merge(d.name(), new int[] {d.inFlight(), d.pendingSessions()},
                        (a, b) -> new int[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return out;
    }

    private static int total(Map<String, int[]> m) {
        return m.values().stream().mapToInt(a -> a[0]).sum();
    }

    private static String describe(Map<String, int[]> m) {
        if (m.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        m.forEach((name, n) -> b.append(b.length() == 0 ? "" : ", ").append("/ext/").append(name).append(": ")
                .append(n[0]).append(n[1] > 0 ? " (" + n[1] + " pending)" : ""));
        return b.toString();
    }
}
