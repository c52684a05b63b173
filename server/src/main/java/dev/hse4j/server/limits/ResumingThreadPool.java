package dev.hse4j.server.limits;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The server's worker pool, with one thread hand-off fewer for every exchange that ends in a completion the
 * server delivers (an extension's session ended from a completion, as in every asynchronous request).
 *
 * <p>When an exchange ends after its handler returned, Jetty resumes the connection (reads its next request)
 * by handing the connection to the pool: a second thread woken for a job the thread that ended the exchange is
 * about to be free for. Code that delivers a completion wraps it in {@link #runHoldingResume}: a resume asked
 * inside it runs on that same thread right after it (one per call; another goes to the pool as usual). Nothing
 * waits for a connection's resume, and the delivery ends soon after the exchange did, so this cannot deadlock.
 * Only there: a long-lived pool job (Jetty's selector loop, a reserved thread) hands a connection on at once.
 */
public final class ResumingThreadPool extends QueuedThreadPool {

    /** A thread's state: whether it runs a {@link #runHoldingResume} body, and the resume it holds for after it. */
    private static final class Turn {
        boolean poolThread;
        boolean holding;
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
            if (t != null && t.holding && t.resume == null) {
                t.resume = job;
                return;
            }
        }
        super.execute(job);
    }

    /**
     * Runs {@code body} (a completion's delivery) on this thread, holding a connection resume it asks for: that
     * runs here right after {@code body} on a pool thread, and on any other thread (an outbound I/O thread, which
     * must not block) only when the connection's server handles requests without blocking (Jetty then runs them
     * on its own selector threads too), tagged non-blocking; otherwise, or if {@code body} throws, it goes to the
     * pool. Nested calls leave it to the outermost.
     *
     * @param body what to run
     */
    public void runHoldingResume(Runnable body) {
        Turn t = turn();
        if (t.holding) {
            body.run();
            return;
        }
        t.holding = true;
        boolean returned = false;
        try {
            body.run();
            returned = true;
        } finally {
            t.holding = false;
            Runnable resume = t.resume;
            t.resume = null;
            if (resume != null) {
                if (returned && t.poolThread) {
                    resume.run();
                } else if (returned && nonBlocking(resume)) {
                    Invocable.invokeNonBlocking(resume);
                } else {
                    super.execute(resume);
                }
            }
        }
    }

    /** @return whether Jetty runs this connection's reading on a thread that must not block (its selector's) */
    private static boolean nonBlocking(Runnable resume) {
        return resume instanceof HttpConnection h
                && h.getServer().getInvocationType() != Invocable.InvocationType.BLOCKING;
    }

    private Turn turn() {
        Turn t = turns.get();
        if (t == null) {
            t = new Turn();
            turns.set(t);
        }
        return t;
    }

    @Override
    protected void runJob(Runnable job) {
        turn().poolThread = true;
        job.run();
    }
}
