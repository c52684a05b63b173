package dev.hse4j.server.host;

import dev.hse4j.api.Completion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.IoCompletion;
import dev.hse4j.server.strict.Check;
import dev.hse4j.server.strict.Stacks;
import dev.hse4j.server.strict.StrictPolicy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Strict mode for one request: what the extension did with its ECB, and the checks on it. Created only
 * for an extension running strict; its {@link StrictEcb} and {@link RequestIo} feed it.
 *
 * <ul>
 * <li>buffers of asynchronous writes are guarded ({@link BufferGuard});</li>
 * <li>completion callbacks are timed (the thread's stack is sampled when one runs past the threshold) and
 *     any synchronous ECB I/O inside one is reported;</li>
 * <li>every ECB call after the session ended (or after doneWithSession) is reported with its stack;</li>
 * <li>a PENDING session the session timeout had to end is reported with the extension's last ECB call.</li>
 * </ul>
 */
final class StrictSession implements IoWatch {

    private final StrictPolicy policy;
    private final String extension;
    private final String extensionClass;
    private final String request;
    private final Scheduler scheduler;
    private final long thresholdMillis;
    private final List<BufferGuard> guards = new ArrayList<>(2); // guarded by itself
    private final AtomicLong completions = new AtomicLong();
    private volatile Thread completionThread;
    private volatile Thread procOnNetworkThread; // a non-blocking procedure running on a network thread
    private volatile Scheduler.Task procWatch;
    private volatile long runningCompletion;
    private volatile boolean doneCalled;
    private volatile boolean ended;
    private volatile Instant pendingAt;
    private volatile Throwable lastCall;
    private volatile String lastCallName;

    StrictSession(StrictPolicy policy, String extension, String extensionClass, String request, Scheduler scheduler) {
        this.policy = policy;
        this.extension = extension;
        this.extensionClass = extensionClass;
        this.request = request;
        this.scheduler = scheduler;
        this.thresholdMillis = policy.config().completionThreshold().toMillis();
    }

    // ------------------------------------------------------------------ from StrictEcb

    /**
     * An ECB call begins: remembered (for a PENDING never done), and reported if the session is over. Its
     * stack is taken only where it can matter: for the calls that set up asynchronous work, and for every
     * call once the procedure has returned PENDING (a request that ends with its procedure needs none).
     *
     * @param call the ECB method
     * @param async whether it starts or prepares asynchronous work (ioCompletion, *Async, transmitFile...)
     */
    void enter(String call, boolean async) {
        lastCallName = call;
        if (async || pendingAt != null) {
            lastCall = new Throwable(call);
        } else {
            lastCall = null;
        }
        if (ended) {
            report(Check.CALL_AFTER_END, call + " was called on the ECB of " + request + " after its session ended "
                    + "(the server no longer knows this request; in IIS this is a use after free)", new Throwable(call));
        }
    }

    void enter(String call) {
        enter(call, false);
    }

    /** A synchronous I/O call begins: reported if it runs inside a completion callback. */
    void syncIo(String call) {
        if (completionThread == Thread.currentThread()) {
            report(Check.SYNC_IO_IN_COMPLETION, call + " (synchronous) was called inside a completion callback for "
                    + request + ": it blocks a server thread that delivers completions; use the asynchronous call "
                    + "and continue in its completion", new Throwable(call));
        }
    }

    /** A call was refused with 4317 (invalid operation): after doneWithSession, that is a call after the end. */
    void refusedAsEnded(String call) {
        if (doneCalled || ended) {
            report(Check.CALL_AFTER_END, call + " was called on the ECB of " + request + " after doneWithSession "
                    + "(refused with 4317)", new Throwable(call));
        }
    }

    void doneWithSessionCalled() {
        doneCalled = true;
    }

    // ------------------------------------------------------------------ from the host

    /** The procedure returned. */
    void procReturned(HseStatus status) {
        Scheduler.Task w = procWatch;
        if (w != null) {
            procWatch = null;
            procOnNetworkThread = null;
            w.cancel();
        }
        if (status == HseStatus.PENDING) {
            pendingAt = Instant.now();
        }
    }

    /**
     * A non-blocking extension's procedure starts on a network thread: if it is still running after the
     * threshold, it is blocking every connection of that thread, and where it is gets reported.
     */
    void procStartsOnNetworkThread() {
        Thread t = Thread.currentThread();
        procOnNetworkThread = t;
        procWatch = scheduler.schedule(() -> procTooLong(t), thresholdMillis, TimeUnit.MILLISECONDS);
    }

    private void procTooLong(Thread t) {
        if (procOnNetworkThread != t) {
            return;
        }
        StackTraceElement[] now = t.getStackTrace();
        if (procOnNetworkThread != t) {
            return; // it returned while the stack was taken
        }
        policy.reports().report(extension, Check.BLOCKING_ON_NETWORK_THREAD, "httpExtensionProc of "
                + extensionClass + " declares nonBlocking and runs on a network thread, but for " + request
                + " it has been running for more than " + thresholdMillis + " ms: every connection of that thread "
                + "waits for it. Remove nonBlocking (or start --ignore-non-blocking), or hand the slow work to your "
                + "own executor and return PENDING. Its thread " + t.getName() + " is at:", Stacks.formatThread(now));
    }

    /** The session ended. */
    void sessionEnded(boolean byTimeout) {
        ended = true;
        if (byTimeout && pendingAt != null && !doneCalled) {
            Throwable last = lastCall;
            String lastName = lastCallName;
            String msg = "httpExtensionProc of " + extensionClass + " returned PENDING for " + request + " at "
                    + pendingAt + ", and doneWithSession was never called: the session timeout ended it. "
                    + "Every path that leaves the request (completions with an error included) must call "
                    + "doneWithSession. " + (lastName == null ? "The extension made no ECB call for this request."
                    : "The extension's last ECB call on this request was " + lastName
                    + (last == null ? ", inside httpExtensionProc." : ", at:"));
            policy.reports().report(extension, Check.PENDING_NEVER_DONE, msg,
                    last == null ? "" : Stacks.format(last.getStackTrace()));
        }
    }

    // ------------------------------------------------------------------ IoWatch

    @Override
    public List<Segment> asyncWrite(List<Segment> segments) {
        Throwable call = null;
        List<Segment> out = new ArrayList<>(segments.size());
        for (Segment s : segments) {
            if (s instanceof Segment.Memory m && m.buffer().hasRemaining()) {
                if (call == null) {
                    call = new Throwable("asynchronous write");
                }
                out.add(new Segment.Memory(m.buffer(), new BufferGuard(m.buffer(), call, this)));
            } else {
                out.add(s);
            }
        }
        return out;
    }

    /** A guard whose bytes the network started taking: checked again at the completion. */
    void guarding(BufferGuard g) {
        synchronized (guards) {
            guards.add(g);
        }
    }

    void bufferChanged(Throwable call, String what) {
        report(Check.BUFFER_CHANGED, "an asynchronous write on " + request + ": " + what + ". A buffer passed to "
                + "an asynchronous call is the server's until its completion: use a new buffer for the next "
                + "write, or wait for the completion. The call:", call);
    }

    @Override
    public void deliver(IoCompletion completion, Completion c) {
        List<BufferGuard> check;
        synchronized (guards) {
            check = new ArrayList<>(guards);
            guards.clear();
        }
        for (BufferGuard g : check) {
            g.atCompletion();
        }
        long id = completions.incrementAndGet();
        Thread t = Thread.currentThread();
        completionThread = t;
        runningCompletion = id;
        Scheduler.Task watch = scheduler.schedule(() -> tooLong(id, t), thresholdMillis, TimeUnit.MILLISECONDS);
        try {
            completion.onCompletion(c);
        } finally {
            runningCompletion = 0;
            completionThread = null;
            watch.cancel();
        }
    }

    private void tooLong(long id, Thread t) {
        if (runningCompletion != id) {
            return;
        }
        StackTraceElement[] now = t.getStackTrace();
        if (runningCompletion != id) {
            return; // it ended while the stack was taken
        }
        policy.reports().report(extension, Check.SLOW_COMPLETION, "a completion callback for " + request
                + " has been running for more than " + thresholdMillis + " ms (it holds a server thread, and the "
                + "request's next completion waits for it): hand slow work to your own executor. Its thread "
                + t.getName() + " is at:", Stacks.formatThread(now));
    }

    private void report(Check check, String message, Throwable where) {
        policy.reports().report(extension, check, message, Stacks.format(where.getStackTrace()));
    }
}
