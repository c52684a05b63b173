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
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A connection's resume asked from inside a pool job runs on that thread once the job returned. */
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

    @Test
    void aResumeAskedInsideAJobRunsOnItsThreadAfterTheJob() throws Exception {
        AtomicBoolean returned = new AtomicBoolean();
        Resumed conn = new Resumed(returned);
        AtomicReference<Thread> jobThread = new AtomicReference<>();
        CountDownLatch otherRan = new CountDownLatch(1);
        pool.execute(() -> {
            jobThread.set(Thread.currentThread());
            pool.execute(conn); // what HttpConnection's resume() does when an exchange ends off its handler
            pool.execute(otherRan::countDown);
            try { // other pool threads are busy meanwhile: a plain pool would have one of them run the resume now
                otherRan.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            returned.set(true);
        });
        assertTrue(conn.ran.await(10, TimeUnit.SECONDS));
        assertSame(jobThread.get(), conn.thread.get(), "ran on the thread that asked for it");
        assertTrue(conn.afterJob.get(), "ran after the job returned, not inside it");
    }

    @Test
    void otherJobsAndASecondResumeGoToThePoolAtOnce() throws Exception {
        AtomicBoolean returned = new AtomicBoolean();
        Resumed first = new Resumed(returned);
        Resumed second = new Resumed(returned);
        CountDownLatch plainRan = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean othersRanDuringJob = new AtomicBoolean();
        pool.execute(() -> {
            pool.execute(first);
            pool.execute(second);              // only one is held per job
            pool.execute(plainRan::countDown); // not a connection: never held
            try { // the job waits for both: they must run elsewhere meanwhile
                othersRanDuringJob.set(plainRan.await(10, TimeUnit.SECONDS) && second.ran.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
    void aJobThatThrowsStillHasItsResumeRun() throws Exception {
        AtomicBoolean returned = new AtomicBoolean(true);
        Resumed conn = new Resumed(returned);
        pool.execute(() -> {
            pool.execute(conn);
            throw new IllegalStateException("expected by the test");
        });
        assertTrue(conn.ran.await(10, TimeUnit.SECONDS), "the resume was lost with the job's failure");
    }

    @Test
    void aResumeFromAThreadOutsideThePoolGoesToThePool() throws Exception {
        Resumed conn = new Resumed(new AtomicBoolean(true));
        pool.execute(conn);
        assertTrue(conn.ran.await(10, TimeUnit.SECONDS));
        assertNotSame(Thread.currentThread(), conn.thread.get());
    }
}
