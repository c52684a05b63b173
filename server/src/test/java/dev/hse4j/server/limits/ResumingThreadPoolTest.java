package dev.hse4j.server.limits;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A connection's resume asked inside a completion's delivery runs on that thread once the delivery returned. */
class ResumingThreadPoolTest {

    private QueuedThreadPool pool;

    @BeforeEach
    void start() throws Exception {
        pool = new ResumingThreadPool(16, 8);
        pool.start();
    }

    @AfterEach
    void stop() throws Exception {
        pool.stop();
    }

    /** A connection that notes where and when Jetty's resume (its run()) ran. */
    private static final class Resumed extends AbstractConnection implements Runnable {
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final AtomicBoolean afterJob = new AtomicBoolean();
        final AtomicBoolean jobReturned;
        final CountDownLatch ran = new CountDownLatch(1);

        Resumed(AtomicBoolean jobReturned) {
            super(new ByteArrayEndPoint(), Runnable::run);
            this.jobReturned = jobReturned;
        }

        @Override
        public void onFillable() {
        }

        @Override
        public void run() {
            thread.set(Thread.currentThread());
            afterJob.set(jobReturned.get());
            ran.countDown();
        }
    }

    /** Runs {@code body} as a completion delivery on a pool thread, as the server's completion executor does. */
    private void deliver(Runnable body) {
        pool.execute(() -> ((ResumingThreadPool) pool).runHoldingResume(body));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aResumeAskedInsideADeliveryRunsOnItsThreadAfterIt() throws Exception {
        AtomicBoolean returned = new AtomicBoolean();
        Resumed conn = new Resumed(returned);
        AtomicReference<Thread> jobThread = new AtomicReference<>();
        CountDownLatch otherRan = new CountDownLatch(1);
        deliver(() -> {
            jobThread.set(Thread.currentThread());
            pool.execute(conn); // what HttpConnection's resume() does when an exchange ends off its handler
            pool.execute(otherRan::countDown);
            await(otherRan); // other pool threads are busy meanwhile: a plain pool would have one run the resume now
            returned.set(true);
        });
        assertTrue(conn.ran.await(10, TimeUnit.SECONDS));
        assertSame(jobThread.get(), conn.thread.get(), "ran on the thread that asked for it");
        assertTrue(conn.afterJob.get(), "ran after the delivery returned, not inside it");
    }

    @Test
    void otherJobsAndASecondResumeGoToThePoolAtOnce() throws Exception {
        AtomicBoolean returned = new AtomicBoolean();
        Resumed first = new Resumed(returned);
        Resumed second = new Resumed(returned);
        CountDownLatch plainRan = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean othersRanDuringJob = new AtomicBoolean();
        deliver(() -> {
            pool.execute(first);
            pool.execute(second);              // only one is held per delivery
            pool.execute(plainRan::countDown); // not a connection: never held
            await(plainRan);
            await(second.ran);
            othersRanDuringJob.set(plainRan.getCount() == 0 && second.ran.getCount() == 0);
            returned.set(true);
            release.countDown();
        });
        assertTrue(release.await(25, TimeUnit.SECONDS));
        assertTrue(othersRanDuringJob.get(), "a plain job and a second resume were not held");
        assertTrue(first.ran.await(10, TimeUnit.SECONDS));
        assertTrue(first.afterJob.get());
        assertFalse(second.afterJob.get());
    }

    @Test
    void aDeliveryThatThrowsStillHasItsResumeRun() throws Exception {
        AtomicBoolean returned = new AtomicBoolean(true);
        Resumed conn = new Resumed(returned);
        deliver(() -> {
            pool.execute(conn);
            throw new IllegalStateException("expected by the test");
        });
        assertTrue(conn.ran.await(10, TimeUnit.SECONDS), "the resume was lost with the delivery's failure");
    }

    /**
     * A long-lived pool job (Jetty's selector loop, which upgrades a PROXY-protocol connection to HTTP and has
     * the HTTP connection execute itself) hands a connection on at once: it would wait for ever otherwise.
     */
    @Test
    void aConnectionHandedOnOutsideADeliveryRunsAtOnce() throws Exception {
        Resumed conn = new Resumed(new AtomicBoolean());
        AtomicBoolean ranWhileJobRan = new AtomicBoolean();
        CountDownLatch jobDone = new CountDownLatch(1);
        pool.execute(() -> {
            pool.execute(conn);
            await(conn.ran);
            ranWhileJobRan.set(conn.ran.getCount() == 0);
            jobDone.countDown();
        });
        assertTrue(jobDone.await(25, TimeUnit.SECONDS));
        assertTrue(ranWhileJobRan.get(), "the connection waited for the end of the job that handed it on");
    }

    @Test
    void aResumeFromAThreadOutsideThePoolGoesToThePool() throws Exception {
        Resumed conn = new Resumed(new AtomicBoolean(true));
        pool.execute(conn);
        assertTrue(conn.ran.await(10, TimeUnit.SECONDS));
        assertNotSame(Thread.currentThread(), conn.thread.get());
    }

    /** An HTTP/1 connection of a server with {@code handler}, noting where Jetty's resume ran. */
    private static final class Http extends HttpConnection {
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final AtomicBoolean afterBody = new AtomicBoolean();
        final AtomicBoolean bodyReturned;
        final CountDownLatch ran = new CountDownLatch(1);

        Http(Handler handler, AtomicBoolean bodyReturned) {
            this(server(handler), bodyReturned);
        }

        private Http(Server server, AtomicBoolean bodyReturned) {
            super(new HttpConfiguration(), new ServerConnector(server), new ByteArrayEndPoint());
            this.bodyReturned = bodyReturned;
        }

        private static Server server(Handler handler) {
            Server server = new Server();
            server.setHandler(handler);
            return server;
        }

        @Override
        public void onFillable() {
            thread.set(Thread.currentThread());
            afterBody.set(bodyReturned.get());
            ran.countDown();
        }
    }

    private static Handler handler(boolean nonBlocking) {
        return nonBlocking ? new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return false;
            }
        } : new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return false;
            }
        };
    }

    /** What an outbound event loop does when its completion ended an exchange. */
    private Http resumeFromAnIoThread(boolean nonBlockingServer, AtomicReference<Thread> ioThread) throws Exception {
        AtomicBoolean returned = new AtomicBoolean();
        Http conn = new Http(handler(nonBlockingServer), returned);
        Thread io = new Thread(() -> ((ResumingThreadPool) pool).runHoldingResume(() -> {
            pool.execute(conn);
            returned.set(true);
        }), "io");
        ioThread.set(io);
        io.start();
        io.join(10_000);
        assertTrue(conn.ran.await(10, TimeUnit.SECONDS));
        return conn;
    }

    @Test
    void anIoThreadResumesANonBlockingServersConnectionItselfAfterItsCall() throws Exception {
        AtomicReference<Thread> io = new AtomicReference<>();
        Http conn = resumeFromAnIoThread(true, io);
        assertSame(io.get(), conn.thread.get(), "no worker woken for it");
        assertTrue(conn.afterBody.get(), "after the call that ended the exchange, not inside it");
    }

    @Test
    void aServerThatMayBlockHasItsConnectionResumedByThePool() throws Exception {
        AtomicReference<Thread> io = new AtomicReference<>();
        Http conn = resumeFromAnIoThread(false, io);
        assertNotSame(io.get(), conn.thread.get(), "an I/O thread must not run what may block");
    }
}
