package dev.hse4j.server.limits;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The server's worker pool, with one thread hand-off fewer for every exchange that ends after its handler
 * returned (an extension's session ended from a completion on a worker, as in every asynchronous request).
 *
 * <p>Jetty then resumes the connection (reads its next request) by handing the connection to the pool: a
 * second thread woken for a job the thread that ended the exchange is about to be free for. Here such a
 * resume, asked by a pool thread while it runs a job, runs on that same thread right after the job returns
 * (one per job; another goes to the pool as usual). Nothing ever waits for a connection's resume, so running
 * it after the job cannot deadlock: the resume only waits for the rest of the current job, which for the
 * host is the end of a completion delivery. A job that throws still has its resume run, by the pool.
 */
public final class ResumingThreadPool extends QueuedThreadPool {

    /** A pool thread's state: whether it runs a job, and the resume it holds for after it. */
    private static final class Turn {
        boolean running;
        Runnable resume;
    }

    private final ThreadLocal<Turn> turns = new ThreadLocal<>();

    /**
     * @param maxThreads the most threads
     * @param minThreads the fewest threads kept
     */
    public ResumingThreadPool(int maxThreads, int minThreads) {
        super(maxThreads, minThreads);
    }

    @Override
    public void execute(Runnable job) {
        if (job instanceof Connection) {
            Turn t = turns.get();
            if (t != null && t.running && t.resume == null) {
                t.resume = job;
                return;
            }
        }
        super.execute(job);
    }

    @Override
    protected void runJob(Runnable job) {
        Turn t = turns.get();
        if (t == null) {
            t = new Turn();
            turns.set(t);
        }
        Runnable next = job;
        while (next != null) {
            t.running = true;
            boolean returned = false;
            try {
                next.run();
                returned = true;
            } finally {
                t.running = false;
                next = t.resume;
                t.resume = null;
                if (!returned && next != null) {
                    super.execute(next); // the job threw: the resume still happens, on another thread
                }
            }
        }
    }
}
