package dev.hse4j.server.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.Completion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.server.limits.Bulkhead;
import dev.hse4j.server.limits.LimitStats;
import dev.hse4j.server.limits.MinRate;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session state machine driven over a {@link MemoryTransport}: every path of the diagram in
 * {@link SessionState}, including the interleavings a socket cannot time exactly. The same paths run over
 * real sockets in the foundation and async suites.
 */
class RequestIoMachineTest {

    private ExecutorService pool;
    private ScheduledExecutorScheduler scheduler;
    private final List<String> events = new CopyOnWriteArrayList<>();

    private final RequestIo.EndListener listener = new RequestIo.EndListener() {
        @Override
        public void sessionEnded(RequestIo.End how) {
            events.add("end " + how);
        }
    };

    @BeforeEach
    void start() throws Exception {
        pool = Executors.newFixedThreadPool(4);
        scheduler = new ScheduledExecutorScheduler("test-scheduler", true);
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        pool.shutdownNow();
        scheduler.stop();
    }

    private RequestIo io(MemoryTransport t, Duration sessionTimeout) {
        BodyReader body = new BodyReader(t, scheduler, MinRate.Spec.OFF, 0);
        RequestIo io = new RequestIo(t, pool, scheduler, new SessionTimeouts(scheduler, 50), body, Duration.ofSeconds(5),
                sessionTimeout, "test", getClass().getClassLoader(), listener, new Bulkhead(0),
                new MinRate.Spec(0, 1_000_000_000L), new LimitStats());
        io.start();
        return io;
    }

    private static List<Segment> bytes(String s) {
        return List.of(new Segment.Memory(ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII))));
    }

    private long writeSync(RequestIo io, String s) throws IsapiException {
        return io.write(bytes(s), null, false, false, null, null, false);
    }

    private void writeAsync(RequestIo io, String s) throws IsapiException {
        io.write(bytes(s), null, false, false, null, null, true);
    }

    @Test
    void procReturnsSuccess() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofSeconds(30));
        assertEquals(2, writeSync(io, "hi"));
        assertEquals(SessionState.Life.RUNNING, io.life());
        io.procReturned(HseStatus.SUCCESS);
        assertEquals(1, t.completed.get());
        assertEquals(1, t.ends());
        assertEquals(List.of("end OK"), events);
        assertEquals(SessionState.Life.CLOSED, io.life());
        assertEquals("hi", t.written.toString(StandardCharsets.US_ASCII));
        IsapiException late = assertThrows(IsapiException.class, () -> writeSync(io, "late"));
        assertEquals(IsapiError.INVALID_OPERATION, late.errorCode());
    }

    @Test
    void pendingThenDoneWithSession() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofSeconds(30));
        io.procReturned(HseStatus.PENDING);
        assertEquals(SessionState.Life.PENDING, io.life());
        assertEquals(0, t.ends());
        writeSync(io, "later");
        io.doneWithSession(HseStatus.SUCCESS);
        assertEquals(1, t.completed.get());
        assertEquals(List.of("end OK"), events);
        IsapiException twice = assertThrows(IsapiException.class, () -> io.doneWithSession(HseStatus.SUCCESS));
        assertEquals(IsapiError.INVALID_OPERATION, twice.errorCode());
        assertEquals(1, t.ends());
    }

    @Test
    void doneWithSessionDuringTheProcedureEndsAtItsReturn() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofSeconds(30));
        io.doneWithSession(HseStatus.SUCCESS);
        assertEquals(SessionState.Life.RUNNING_DONE, io.life());
        assertEquals(0, t.ends(), "the procedure still runs");
        io.procReturned(HseStatus.PENDING);
        assertEquals(1, t.completed.get());
        assertEquals(List.of("end OK"), events);
    }

    @Test
    void aForgottenPendingSessionTimesOut() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofMillis(200));
        io.procReturned(HseStatus.PENDING);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("end TIMEOUT"));
        assertEquals(500, t.errorStatus, "nothing was sent: the client gets a plain 500");
        assertEquals(1, t.ends());
        assertEquals(SessionState.Life.CLOSED, io.life());
        IsapiException late = assertThrows(IsapiException.class, () -> io.doneWithSession(HseStatus.SUCCESS));
        assertEquals(IsapiError.INVALID_OPERATION, late.errorCode());
        assertEquals(List.of("end TIMEOUT"), events);
    }

    /**
     * A non-blocking procedure on the network thread is timed from its return, and only if its session
     * outlives it: one that ends inside its return never takes the timeouts' lock or arms the sweep, one that
     * returns PENDING and is forgotten still times out.
     */
    @Test
    void aNonBlockingProcedureIsTimedFromItsReturnOnlyWhenItsSessionOutlivesIt() throws Exception {
        SessionTimeouts timeouts = new SessionTimeouts(scheduler, 50);
        MemoryTransport t = new MemoryTransport();
        RequestIo done = inline(t, timeouts, Duration.ofMillis(200));
        assertEquals(0, timeouts.size(), "not timed while it runs");
        assertEquals(2, writeSync(done, "hi"));
        done.procReturned(HseStatus.SUCCESS);
        assertEquals(List.of("end OK"), events);
        assertEquals(0, timeouts.size());
        assertFalse(timeouts.sweeping(), "no sweep armed for a session that ended in its return");

        MemoryTransport t2 = new MemoryTransport();
        RequestIo forgotten = inline(t2, timeouts, Duration.ofMillis(200));
        assertEquals(0, timeouts.size());
        forgotten.procReturned(HseStatus.PENDING);
        assertEquals(1, timeouts.size(), "a pending session is timed from the return");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("end TIMEOUT"));
        assertEquals(500, t2.errorStatus);
        assertEquals(0, timeouts.size());

        MemoryTransport t3 = new MemoryTransport();
        RequestIo later = inline(t3, timeouts, Duration.ofSeconds(30));
        later.procReturned(HseStatus.PENDING);
        assertEquals(1, timeouts.size());
        later.doneWithSession(HseStatus.SUCCESS);
        assertEquals(0, timeouts.size(), "its end removes it");
        assertEquals(List.of("end OK", "end TIMEOUT", "end OK"), events);
    }

    private RequestIo inline(MemoryTransport t, SessionTimeouts timeouts, Duration sessionTimeout) {
        BodyReader body = new BodyReader(t, scheduler, MinRate.Spec.OFF, 0);
        RequestIo io = new RequestIo(t, pool, scheduler, timeouts, body, Duration.ofSeconds(5), sessionTimeout, "test",
                getClass().getClassLoader(), listener, new Bulkhead(0), new MinRate.Spec(0, 1_000_000_000L),
                new LimitStats(), 1 << 20);
        io.start();
        return io;
    }

    @Test
    void aTimeoutWhileTheProcedureStillRunsIsToldWhenItReturns() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> io.life() == SessionState.Life.RUNNING_ABORTED);
        assertEquals(500, t.errorStatus);
        assertTrue(events.isEmpty(), "the procedure's thread is still inside: not over yet");
        io.procReturned(HseStatus.SUCCESS);
        assertEquals(List.of("end TIMEOUT"), events);
        assertEquals(1, t.ends());
    }

    @Test
    void aClientAbortDuringAnAsyncWriteCompletesWith995() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofSeconds(30));
        t.holdWrites = true;
        io.ioCompletion(c -> {
            events.add("completion " + c.errorCode());
            try {
                IsapiException busy = assertThrows(IsapiException.class, () -> writeAsync(io, "again"));
                events.add("next write " + busy.errorCode());
                io.doneWithSession(HseStatus.ERROR);
            } catch (IsapiException e) {
                events.add("done failed " + e.errorCode());
            }
        }, null);
        writeAsync(io, "partial");
        io.procReturned(HseStatus.PENDING);
        t.clientAborts();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);
        assertEquals(List.of("completion " + IsapiError.OPERATION_ABORTED,
                "next write " + IsapiError.OPERATION_ABORTED, "end ERROR"), events);
        assertEquals(1, t.ends(), "the exchange ends once");
    }

    @Test
    void aCompletionRunningWhileTheProcedureReturnsHoldsTheEnd() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofSeconds(30));
        t.holdWrites = true;
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        io.ioCompletion(c -> {
            inside.countDown();
            try {
                leave.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            events.add("completion returns");
        }, null);
        writeAsync(io, "x");
        pool.execute(t::release); // the write completes on another thread while the procedure still runs
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        io.procReturned(HseStatus.SUCCESS);
        assertEquals(SessionState.Life.ENDING, io.life(), "the completion still runs");
        assertEquals(0, t.ends());
        leave.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertEquals(List.of("completion returns", "end OK"), events);
        assertEquals(1, t.completed.get());
    }

    @Test
    void doneWithSessionWhileAnOperationIsOutstandingWaitsForItsCompletion() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofSeconds(30));
        io.procReturned(HseStatus.PENDING);
        t.holdWrites = true;
        io.ioCompletion(c -> events.add("completion " + c.bytesTransferred()), null);
        writeAsync(io, "abc");
        IsapiException busy = assertThrows(IsapiException.class, () -> writeAsync(io, "def"));
        assertEquals(IsapiError.BUSY, busy.errorCode(), "one outstanding");
        io.doneWithSession(HseStatus.SUCCESS);
        assertEquals(SessionState.Life.ENDING, io.life());
        assertEquals(0, t.ends(), "the response is not cut short by its own end");
        t.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertEquals(List.of("completion 3", "end OK"), events);
        assertEquals(1, t.completed.get());
        assertEquals("abc", t.written.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void aCompletionNeverRunsInsideTheCallThatStartedIt() throws Exception {
        MemoryTransport t = new MemoryTransport(); // writes complete inside write()
        RequestIo io = io(t, Duration.ofSeconds(30));
        Thread caller = Thread.currentThread();
        ThreadLocal<Boolean> inCall = ThreadLocal.withInitial(() -> false);
        io.ioCompletion(c -> events.add("completion inside=" + (Thread.currentThread() == caller && inCall.get())),
                null);
        inCall.set(true);
        writeAsync(io, "now");
        inCall.set(false);
        io.procReturned(HseStatus.SUCCESS);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertEquals(List.of("completion inside=false", "end OK"), events);
    }

    @Test
    void aSynchronousWriteTheTransportCompletesAtOnceCostsNoHandOff() throws Exception {
        MemoryTransport t = new MemoryTransport(); // completes every write inside write(), as Jetty does
        java.util.concurrent.atomic.AtomicInteger handOffs = new java.util.concurrent.atomic.AtomicInteger();
        BodyReader body = new BodyReader(t, scheduler, MinRate.Spec.OFF, 0);
        RequestIo io = new RequestIo(t, r -> {
            handOffs.incrementAndGet();
            pool.execute(r);
        }, scheduler, new SessionTimeouts(scheduler, 50), body, Duration.ofSeconds(5), Duration.ofSeconds(30),
                "test", getClass().getClassLoader(), listener, new Bulkhead(0), new MinRate.Spec(0, 1_000_000_000L),
                new LimitStats());
        io.start();
        for (int i = 0; i < 1000; i++) {
            assertEquals(5, writeSync(io, "hello"));
        }
        io.procReturned(HseStatus.SUCCESS);
        assertEquals(0, handOffs.get(), "nothing went to another thread");
        assertEquals(List.of("end OK"), events);
        assertEquals(5000, t.written.size());
    }

    @Test
    void aSynchronousWriteFinishedLaterOnAnotherThreadWakesTheWaiter() throws Exception {
        MemoryTransport t = new MemoryTransport();
        RequestIo io = io(t, Duration.ofSeconds(30));
        t.holdWrites = true;
        CountDownLatch held = new CountDownLatch(1);
        pool.execute(() -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> t.held != null);
            held.countDown();
            t.release();
        });
        assertEquals(4, writeSync(io, "slow"));
        assertTrue(held.await(1, TimeUnit.SECONDS));
        io.procReturned(HseStatus.SUCCESS);
        assertEquals(List.of("end OK"), events);
    }
}
