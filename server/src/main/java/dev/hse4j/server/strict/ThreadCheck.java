package dev.hse4j.server.strict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * After {@code terminateExtension}: are threads the extension started still alive? A thread is the
 * extension's if its context class loader is the extension's (every call into an extension runs with it,
 * and a new thread inherits its creator's) or its class was loaded by it. Such threads keep the class
 * loader, and everything it loaded, from ever being freed.
 */
public final class ThreadCheck {

    private ThreadCheck() {
    }

    /**
     * Waits up to {@code grace} for the extension's threads to end, then reports those still alive.
     *
     * @param extension the mount name
     * @param loader the extension's class loader
     * @param grace how long they may take to end
     * @param reports where findings go
     * @return the names of the threads left running
     */
    public static List<String> afterTerminate(String extension, ClassLoader loader, Duration grace,
                                              StrictReports reports) {
        long deadline = System.nanoTime() + grace.toNanos();
        List<Thread> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t == Thread.currentThread() || !t.isAlive()) {
                continue;
            }
            if (t.getContextClassLoader() == loader || t.getClass().getClassLoader() == loader) {
                left.add(t);
            }
        }
        List<Thread> alive = new ArrayList<>();
        for (Thread t : left) {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                if (remaining > 0) {
                    t.join(remaining);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                alive.add(t);
            }
        }
        List<String> names = new ArrayList<>();
        for (Thread t : alive) {
            names.add("'" + t.getName() + "' (" + (t.isDaemon() ? "daemon, " : "") + t.getState() + ")");
        }
        if (!alive.isEmpty()) {
            reports.report(extension, Check.THREADS_LEFT_RUNNING, alive.size() + " thread(s) started by the extension "
                    + "still alive " + grace.toMillis() + " ms after terminateExtension returned: " + String.join(", ", names)
                    + ". They keep the extension's class loader alive (a leak at every redeploy): stop them in "
                    + "terminateExtension (shutdownNow() and awaitTermination on its executors, interrupt and join its "
                    + "threads). Where '" + alive.get(0).getName() + "' is:",
                    Stacks.formatThread(alive.get(0).getStackTrace()));
        }
        return names;
    }
}
