package dev.hse4j.server.outbound;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs handed off while an outbound completion runs on the same thread, right after that completion
 * returns, instead of on another thread.
 *
 * <p>The host hands a completion that arrives inside the call that started its operation (a small client
 * write from an outbound receive completion, typically) to an executor, so that the extension never sees it
 * inside its own call. When that call was made from an outbound completion, the thread will be free again as
 * soon as the completion returns: {@link #executor} queues the job in the thread's scope and
 * {@link #run} runs it then, on the same thread (still never inside the starting call, still once). Anywhere
 * else the job goes to the delegate as before. A job queued by a queued job runs after it, in order.
 */
final class CompletionScope {

    private static final Logger LOG = LoggerFactory.getLogger(CompletionScope.class);

    /**
     * A thread's scope: whether it runs an outbound completion now, and the jobs queued meanwhile. One per thread
     * that ever ran a completion, kept (not set and removed per completion: that was a ThreadLocal write, a
     * removal and a new queue for every receive and send completion).
     */
    private static final class Turn {
        boolean active;
        final ArrayDeque<Runnable> jobs = new ArrayDeque<>(4);
    }

    private final ThreadLocal<Turn> turns = ThreadLocal.withInitial(Turn::new);

    /** @return an executor that queues on a thread inside {@link #run}, and hands to {@code delegate} elsewhere */
    Executor executor(Executor delegate) {
        return job -> {
            Turn t = turns.get();
            if (t.active) {
                t.jobs.add(job);
            } else {
                delegate.execute(job);
            }
        };
    }

    /** Runs {@code completion}, then what it queued (if this is the outermost scope on the thread). */
    void run(Runnable completion) {
        Turn t = turns.get();
        if (t.active) { // nested: the outer scope runs the queue
            completion.run();
            return;
        }
        t.active = true;
        try {
            completion.run();
            for (Runnable job = t.jobs.poll(); job != null; job = t.jobs.poll()) {
                try {
                    job.run();
                } catch (Throwable e) {
                    LOG.warn("a completion queued behind an outbound completion failed", e);
                }
            }
        } finally {
            t.active = false;
            t.jobs.clear(); // only if the completion itself threw: the jobs then go nowhere, as before
        }
    }
}
