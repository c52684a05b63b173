package dev.hse4j.server.outbound;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ConnectCompletion;
import dev.hse4j.api.OutboundConnection;
import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.deploy.ExtensionResources;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where outbound completions run, through a real loopback peer: by default a receive or send completion
 * runs on the I/O thread that found it ({@code hse4j-outbound-*}); with
 * {@code --outbound-completions-on-workers} on a worker thread. Either way a send started from a
 * completion completes after that send returned (never inside it), and 20,000 sends chained from their
 * own completions do not grow the stack. Host completions handed off inside an outbound completion run on
 * its thread right after it returns.
 */
class OutboundCompletionThreadsTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void completionsRunWhereTheOperatorSaysAndNeverInsideTheCall(boolean onIoThreads) throws Exception {
        ExecutorService workers = Executors.newCachedThreadPool(r -> new Thread(r, "test-worker"));
        OutboundConnections outbound = new OutboundConnections(OutboundConfig.defaults()
                .withConnectTimeout(Duration.ofSeconds(5)).withAllowFor("t", "127.0.0.0/8")
                .withCompletionsOnIoThreads(onIoThreads), workers);
        ExtensionResources ext = outbound.open("t", getClass().getClassLoader());
        try (ServerSocket peer = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<ConnectCompletion> connected = new CompletableFuture<>();
            ext.context().outbound().connectEx(new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort()),
                    null, 0, connected::complete, null);
            int sends = 20_000;
            try (Socket s = peer.accept()) {
                s.setSoTimeout(30_000);
                OutboundConnection c = connected.get(10, TimeUnit.SECONDS).connection();
                CompletableFuture<String> receiveThread = new CompletableFuture<>();
                CompletableFuture<Boolean> sendAfterReturn = new CompletableFuture<>();
                AtomicInteger left = new AtomicInteger(sends);
                CompletableFuture<Integer> chained = new CompletableFuture<>();
                int depth0 = new Throwable().getStackTrace().length;
                AtomicInteger maxDepth = new AtomicInteger();
                c.receive(ByteBuffer.allocate(16), (Completion r) -> {
                    receiveThread.complete(Thread.currentThread().getName());
                    AtomicBoolean returned = new AtomicBoolean();
                    try {
                        c.send(ByteBuffer.wrap(new byte[] {'x'}), done -> {
                            sendAfterReturn.complete(returned.get());
                            chain(c, left, chained, maxDepth);
                        }, null);
                    } catch (Exception e) {
                        sendAfterReturn.completeExceptionally(e);
                    }
                    returned.set(true);
                }, null);
                OutputStream out = s.getOutputStream();
                out.write('!');
                out.flush();
                String thread = receiveThread.get(10, TimeUnit.SECONDS);
                assertEquals(onIoThreads, thread.startsWith("hse4j-outbound"), thread);
                assertFalse(onIoThreads == thread.startsWith("test-worker"), thread);
                assertTrue(sendAfterReturn.get(10, TimeUnit.SECONDS), "the send's completion ran inside send()");
                InputStream in = s.getInputStream();
                assertEquals(1 + sends, in.readNBytes(1 + sends).length);
                assertEquals(0, chained.get(30, TimeUnit.SECONDS));
                assertTrue(maxDepth.get() < depth0 + 200, "the stack grew to " + maxDepth.get() + " frames");
                c.close();
            }
        } finally {
            ext.close();
            outbound.close();
            workers.shutdownNow();
        }
    }

    /**
     * The executor the host delivers its hand-off completions with ({@link OutboundConnections#deferring}):
     * a job handed to it inside an outbound completion (as the host does with a client write that completed
     * inside writeClientAsync) runs on that same thread once the outbound completion has returned, exactly
     * once; handed to it from any other thread, it goes to the workers as before.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void hostCompletionsStartedInAnOutboundCompletionRunAfterItOnItsThread(boolean onIoThreads) throws Exception {
        AtomicInteger n = new AtomicInteger();
        ExecutorService workers = Executors.newCachedThreadPool(r -> new Thread(r, "test-worker-" + n.incrementAndGet()));
        OutboundConnections outbound = new OutboundConnections(OutboundConfig.defaults()
                .withConnectTimeout(Duration.ofSeconds(5)).withAllowFor("t", "127.0.0.0/8")
                .withCompletionsOnIoThreads(onIoThreads), workers);
        java.util.concurrent.Executor deliveries = outbound.deferring(workers);
        ExtensionResources ext = outbound.open("t", getClass().getClassLoader());
        try (ServerSocket peer = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<ConnectCompletion> connected = new CompletableFuture<>();
            ext.context().outbound().connectEx(new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort()),
                    null, 0, connected::complete, null);
            try (Socket s = peer.accept()) {
                OutboundConnection c = connected.get(10, TimeUnit.SECONDS).connection();
                CompletableFuture<String> completionThread = new CompletableFuture<>();
                CompletableFuture<String> jobThread = new CompletableFuture<>();
                AtomicBoolean returned = new AtomicBoolean();
                AtomicBoolean returnedWhenJobRan = new AtomicBoolean();
                AtomicInteger runs = new AtomicInteger();
                c.receive(ByteBuffer.allocate(16), (Completion r) -> {
                    completionThread.complete(Thread.currentThread().getName());
                    deliveries.execute(() -> {
                        runs.incrementAndGet();
                        returnedWhenJobRan.set(returned.get());
                        jobThread.complete(Thread.currentThread().getName());
                    });
                    returned.set(true);
                }, null);
                s.getOutputStream().write('!');
                s.getOutputStream().flush();
                String thread = completionThread.get(10, TimeUnit.SECONDS);
                assertEquals(thread, jobThread.get(10, TimeUnit.SECONDS), "no hand-off to another thread");
                assertTrue(returnedWhenJobRan.get(), "the job ran inside the outbound completion");
                CompletableFuture<String> elsewhere = new CompletableFuture<>();
                deliveries.execute(() -> elsewhere.complete(Thread.currentThread().getName()));
                assertTrue(elsewhere.get(10, TimeUnit.SECONDS).startsWith("test-worker"), "outside a completion: the workers");
                assertEquals(1, runs.get());
                c.close();
            }
        } finally {
            ext.close();
            outbound.close();
            workers.shutdownNow();
        }
    }

    /** Sends one byte from each send's completion until {@code left} reaches 0. */
    private static void chain(OutboundConnection c, AtomicInteger left, CompletableFuture<Integer> done,
                              AtomicInteger maxDepth) {
        maxDepth.accumulateAndGet(new Throwable().getStackTrace().length, Math::max);
        if (left.get() == 0) {
            done.complete(0);
            return;
        }
        left.decrementAndGet();
        try {
            c.send(ByteBuffer.wrap(new byte[] {'y'}), r -> chain(c, left, done, maxDepth), null);
        } catch (Exception e) {
            done.completeExceptionally(e);
        }
    }
}
