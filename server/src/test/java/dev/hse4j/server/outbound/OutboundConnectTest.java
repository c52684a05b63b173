package dev.hse4j.server.outbound;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ConnectCompletion;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.OutboundConnection;
import dev.hse4j.api.OutboundService;
import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.deploy.ExtensionResources;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * connectEx and the connection it returns, through real loopback sockets: the limits (65,535 bytes whole,
 * 65,536 → 111, flags → 87, allow-list → 5), the Winsock codes (refused, unroutable with a short timeout,
 * reset mid-stream), one operation per direction, half-close, and the close at unload.
 */
class OutboundConnectTest {

    private static final long WAIT = 10;

    private ExecutorService pool;
    private OutboundConnections outbound;
    private ExtensionResources ext;
    private OutboundService service;
    private ServerSocket peer;

    @BeforeEach
    void setUp() throws Exception {
        pool = Executors.newCachedThreadPool();
        peer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        outbound = new OutboundConnections(OutboundConfig.defaults()
                .withConnectTimeout(Duration.ofMillis(700))
                .withAllowFor("t", "127.0.0.0/8", "10.255.255.1:81"), pool);
        ext = outbound.open("t", getClass().getClassLoader());
        service = ext.context().outbound();
    }

    @AfterEach
    void tearDown() throws Exception {
        ext.close();
        outbound.close();
        peer.close();
        pool.shutdownNow();
    }

    private InetSocketAddress peerAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.getLocalPort());
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private CompletableFuture<ConnectCompletion> connect(InetSocketAddress to, byte[] first) throws IsapiException {
        CompletableFuture<ConnectCompletion> f = new CompletableFuture<>();
        service.connectEx(to, first == null ? null : ByteBuffer.wrap(first), 0, f::complete, "ctx");
        return f;
    }

    private static CompletableFuture<Completion> receive(OutboundConnection c, ByteBuffer dst) throws IsapiException {
        CompletableFuture<Completion> f = new CompletableFuture<>();
        c.receive(dst, f::complete, "rx");
        return f;
    }

    private static CompletableFuture<Completion> send(OutboundConnection c, ByteBuffer src) throws IsapiException {
        CompletableFuture<Completion> f = new CompletableFuture<>();
        c.send(src, f::complete, "tx");
        return f;
    }

    /** @return the peer's next accepted connection, accepted on the pool while the test connects */
    private CompletableFuture<Socket> acceptPeer() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return peer.accept();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, pool);
    }

    @Test
    void firstDataOf65535BytesIsSentWhole() throws Exception {
        byte[] first = random(OutboundService.MAX_FIRST_DATA);
        CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
            try (Socket s = peer.accept(); InputStream in = s.getInputStream()) {
                return in.readNBytes(first.length);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, pool);
        ByteBuffer buf = ByteBuffer.wrap(first);
        Thread caller = Thread.currentThread();
        AtomicBoolean returned = new AtomicBoolean();
        CompletableFuture<ConnectCompletion> f = new CompletableFuture<>();
        CompletableFuture<Boolean> afterReturn = new CompletableFuture<>();
        service.connectEx(peerAddress(), buf, 0, c -> {
            afterReturn.complete(returned.get() && Thread.currentThread() != caller);
            f.complete(c);
        }, "ctx");
        returned.set(true);
        ConnectCompletion c = f.get(WAIT, TimeUnit.SECONDS);
        assertTrue(c.isSuccess(), c::toString);
        assertEquals(65_535, c.bytesTransferred());
        assertEquals("ctx", c.context());
        assertNull(c.ecb(), "opened outside a request");
        assertEquals(65_535, buf.position(), "the first buffer's position is advanced by the bytes sent");
        assertTrue(afterReturn.get(WAIT, TimeUnit.SECONDS), "completion on a server thread, after connectEx returned");
        assertArrayEquals(first, got.get(WAIT, TimeUnit.SECONDS));
        assertTrue(c.connection().isOpen());
        assertEquals(peerAddress(), c.connection().remoteAddress());
        c.connection().close();
    }

    @Test
    void firstDataOf65536BytesIsABufferOverflowAndNothingIsSent() throws Exception {
        IsapiException e = assertThrows(IsapiException.class,
                () -> service.connectEx(peerAddress(), ByteBuffer.allocate(65_536), 0, c -> { }, null));
        assertEquals(IsapiError.BUFFER_OVERFLOW, e.errorCode());
        assertEquals(111, e.errorCode());
        assertNothingConnected();
    }

    @Test
    void flagsOtherThanZeroAreAnInvalidParameterAndNothingIsSent() throws Exception {
        IsapiException e = assertThrows(IsapiException.class,
                () -> service.connectEx(peerAddress(), ByteBuffer.wrap(new byte[] {1}), 1, c -> { }, null));
        assertEquals(87, e.errorCode());
        assertNothingConnected();
    }

    @Test
    void destinationsNotOnTheAllowListAreDenied() throws Exception {
        ExtensionResources other = outbound.open("other", getClass().getClassLoader());
        try {
            IsapiException e = assertThrows(IsapiException.class, () -> other.context().outbound()
                    .connectEx(peerAddress(), null, 0, c -> { }, null));
            assertEquals(IsapiError.ACCESS_DENIED, e.errorCode());
            assertNothingConnected();
            // a host:port entry allows that port only
            e = assertThrows(IsapiException.class, () -> service.connectEx(
                    new InetSocketAddress("10.255.255.1", 82), null, 0, c -> { }, null));
            assertEquals(IsapiError.ACCESS_DENIED, e.errorCode());
        } finally {
            other.close();
        }
    }

    private void assertNothingConnected() throws Exception {
        assertEquals(0, outbound.openCount());
        peer.setSoTimeout(300);
        assertThrows(SocketTimeoutException.class, peer::accept, "no connection reached the peer");
    }

    @Test
    void aClosedPortIsRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ConnectCompletion c = connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), random(100))
                .get(WAIT, TimeUnit.SECONDS);
        assertFalse(c.isSuccess());
        assertEquals(IsapiError.WSAECONNREFUSED, c.errorCode());
        assertEquals(0, c.bytesTransferred());
        IsapiException e = assertThrows(IsapiException.class, () -> c.connection().send(ByteBuffer.allocate(1), x -> { }, null));
        assertEquals(IsapiError.WSAECONNREFUSED, e.errorCode(), "a failed connect is forced closed with its code");
        c.connection().close();
        assertEquals(0, outbound.openCount());
    }

    @Test
    void aSynThatIsNeverAnsweredTimesOutAfterTheShortConnectTimeout() throws Exception {
        // A listener whose accept queue is full drops SYNs: the connect sees no answer at all, as with an
        // unroutable address (which this sandbox's network answers; the namespace test uses a real one).
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort());
            java.util.List<java.nio.channels.SocketChannel> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    java.nio.channels.SocketChannel f = java.nio.channels.SocketChannel.open();
                    f.configureBlocking(false);
                    f.connect(to);
                    fillers.add(f);
                }
                long t0 = System.nanoTime();
                ConnectCompletion c = connect(to, random(10)).get(WAIT, TimeUnit.SECONDS);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(IsapiError.WSAETIMEDOUT, c.errorCode(), c::toString);
                assertTrue(ms >= 600 && ms < 5_000, "timed out after " + ms + " ms (timeout 700 ms)");
                assertEquals(0, c.bytesTransferred());
                c.connection().close();
            } finally {
                for (java.nio.channels.SocketChannel f : fillers) {
                    f.close();
                }
            }
        }
    }

    @Test
    void aResetMidStreamFailsThePendingReceiveAndThenEveryCall() throws Exception {
        CompletableFuture<Void> peerDone = CompletableFuture.runAsync(() -> {
            try (Socket s = peer.accept()) {
                s.getInputStream().readNBytes(5);
                s.getOutputStream().write("partial".getBytes());
                s.getOutputStream().flush();
                s.getInputStream().readNBytes(4); // the client says "more"
                s.setSoLinger(true, 0); // then the peer resets the connection
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, pool);
        ConnectCompletion c = connect(peerAddress(), "hello".getBytes()).get(WAIT, TimeUnit.SECONDS);
        assertTrue(c.isSuccess(), c::toString);
        OutboundConnection conn = c.connection();
        ByteBuffer dst = ByteBuffer.allocate(7);
        Completion r = receive(conn, dst).get(WAIT, TimeUnit.SECONDS);
        assertEquals(7, r.bytesTransferred());
        assertEquals("partial", new String(dst.array()));
        CompletableFuture<Completion> pending = receive(conn, ByteBuffer.allocate(100));
        send(conn, ByteBuffer.wrap("more".getBytes())).get(WAIT, TimeUnit.SECONDS);
        peerDone.get(WAIT, TimeUnit.SECONDS);
        Completion failed = pending.get(WAIT, TimeUnit.SECONDS);
        assertEquals(IsapiError.WSAECONNRESET, failed.errorCode(), failed::toString);
        assertEquals("rx", failed.context());
        assertFalse(conn.isOpen());
        IsapiException e = assertThrows(IsapiException.class, () -> conn.receive(ByteBuffer.allocate(1), x -> { }, null));
        assertEquals(IsapiError.WSAECONNRESET, e.errorCode());
        e = assertThrows(IsapiException.class, () -> conn.send(ByteBuffer.allocate(1), x -> { }, null));
        assertEquals(IsapiError.WSAECONNRESET, e.errorCode());
        conn.close();
        e = assertThrows(IsapiException.class, () -> conn.send(ByteBuffer.allocate(1), x -> { }, null));
        assertEquals(IsapiError.INVALID_OPERATION, e.errorCode());
    }

    @Test
    void oneOperationPerDirectionHalfCloseAndEndOfStream() throws Exception {
        CompletableFuture<byte[]> peerGot = new CompletableFuture<>();
        CompletableFuture<Socket> accepted = acceptPeer();
        ConnectCompletion c = connect(peerAddress(), null).get(WAIT, TimeUnit.SECONDS);
        assertTrue(c.isSuccess());
        assertEquals(0, c.bytesTransferred());
        OutboundConnection conn = c.connection();
        try (Socket s = accepted.get(WAIT, TimeUnit.SECONDS)) {
            // A receive waits for the silent peer: a second one is BUSY, a send still goes.
            CompletableFuture<Completion> rx = receive(conn, ByteBuffer.allocate(64));
            IsapiException busy = assertThrows(IsapiException.class, () -> conn.receive(ByteBuffer.allocate(1), x -> { }, null));
            assertEquals(IsapiError.BUSY, busy.errorCode());
            // A send larger than the socket buffers stays pending while the peer does not read: BUSY again.
            byte[] big = random(32 * 1024 * 1024);
            CompletableFuture<Completion> tx = send(conn, ByteBuffer.wrap(big));
            busy = assertThrows(IsapiException.class, () -> conn.send(ByteBuffer.allocate(1), x -> { }, null));
            assertEquals(IsapiError.BUSY, busy.errorCode());
            assertFalse(tx.isDone(), "the big send is pending");
            pool.execute(() -> {
                try {
                    peerGot.complete(s.getInputStream().readAllBytes()); // to the client's FIN
                } catch (Exception e) {
                    peerGot.completeExceptionally(e);
                }
            });
            assertEquals(big.length, tx.get(WAIT, TimeUnit.SECONDS).bytesTransferred());
            conn.shutdownOutput();
            IsapiException shut = assertThrows(IsapiException.class, () -> conn.send(ByteBuffer.allocate(1), x -> { }, null));
            assertEquals(IsapiError.WSAESHUTDOWN, shut.errorCode());
            assertArrayEquals(big, peerGot.get(WAIT, TimeUnit.SECONDS), "every byte, then the FIN");
            // Half-closed: the client still receives.
            OutputStream out = s.getOutputStream();
            out.write("reply".getBytes());
            out.flush();
            s.shutdownOutput();
            Completion r = rx.get(WAIT, TimeUnit.SECONDS);
            assertEquals(5, r.bytesTransferred());
            assertEquals(0, receive(conn, ByteBuffer.allocate(8)).get(WAIT, TimeUnit.SECONDS).bytesTransferred(),
                    "0 at the end of the stream");
        }
        conn.close();
        conn.close(); // idempotent
    }

    /**
     * Reading stays on across receives (no epoll interest change per receive), pauses while bytes nobody
     * asked for wait, and resumes once a receive took them; a stream arrives whole and in order either way.
     */
    @Test
    void readingStaysOnAcrossReceivesAndPausesOnlyWhileBytesWaitUnread() throws Exception {
        CompletableFuture<Socket> accepted = acceptPeer();
        TcpConnection conn = (TcpConnection) connect(peerAddress(), null).get(WAIT, TimeUnit.SECONDS).connection();
        try (Socket s = accepted.get(WAIT, TimeUnit.SECONDS)) {
            OutputStream out = s.getOutputStream();
            // A receive posted first, then the bytes: after its completion the channel still reads.
            CompletableFuture<Completion> rx = receive(conn, ByteBuffer.allocate(64));
            out.write("hello".getBytes());
            out.flush();
            assertEquals(5, rx.get(WAIT, TimeUnit.SECONDS).bytesTransferred());
            assertTrue(conn.readsAhead(), "reading stays on after a receive completed");
            // Bytes with no receive pending: taken in one read, then reading pauses.
            byte[] early = random(100);
            out.write(early);
            out.flush();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(WAIT)).until(() -> !conn.readsAhead());
            ByteBuffer part = ByteBuffer.allocate(10);
            assertEquals(10, receive(conn, part).get(WAIT, TimeUnit.SECONDS).bytesTransferred());
            assertFalse(conn.readsAhead(), "90 bytes still wait: still paused");
            ByteBuffer rest = ByteBuffer.allocate(1000);
            assertEquals(90, receive(conn, rest).get(WAIT, TimeUnit.SECONDS).bytesTransferred());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(WAIT)).until(conn::readsAhead);
            byte[] got = new byte[100];
            System.arraycopy(part.array(), 0, got, 0, 10);
            System.arraycopy(rest.array(), 0, got, 10, 90);
            assertArrayEquals(early, got);
            // A stream much larger than any socket read, received in small pieces: whole and in order.
            byte[] big = random(3 * 1024 * 1024 + 7);
            pool.execute(() -> {
                try {
                    out.write(big);
                    out.flush();
                } catch (Exception ignored) {
                    // the assertion below reports what is missing
                }
            });
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            while (all.size() < big.length) {
                ByteBuffer b = ByteBuffer.allocate(7_000);
                Completion c = receive(conn, b).get(WAIT, TimeUnit.SECONDS);
                assertTrue(c.isSuccess());
                all.write(b.array(), 0, (int) c.bytesTransferred());
            }
            assertArrayEquals(big, all.toByteArray());
        }
        conn.close();
    }

    @Test
    void unloadClosesEveryTrackedConnectionWith10053() throws Exception {
        CompletableFuture<Integer> peerSawEnd = CompletableFuture.supplyAsync(() -> {
            try (Socket a = peer.accept(); Socket b = peer.accept()) {
                return a.getInputStream().read() + b.getInputStream().read(); // -1 + -1 at EOF
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, pool);
        OutboundConnection a = connect(peerAddress(), null).get(WAIT, TimeUnit.SECONDS).connection();
        OutboundConnection b = connect(peerAddress(), null).get(WAIT, TimeUnit.SECONDS).connection();
        CompletableFuture<Completion> rx = receive(a, ByteBuffer.allocate(4));
        assertEquals(2, outbound.openCount());
        JsonNode status = new com.fasterxml.jackson.databind.ObjectMapper().readTree(outbound.statusJson().toString());
        JsonNode t = status.at("/outbound/extensions/0");
        assertEquals("t", t.get("name").asText());
        assertEquals(2, t.get("open").asInt());
        assertEquals("OPEN", t.at("/connections/0/state").asText());
        ext.close(); // what the deployment does when its version is terminated
        assertEquals(IsapiError.WSAECONNABORTED, rx.get(WAIT, TimeUnit.SECONDS).errorCode());
        assertEquals(-2, peerSawEnd.get(WAIT, TimeUnit.SECONDS));
        assertEquals(0, outbound.openCount());
        IsapiException e = assertThrows(IsapiException.class, () -> b.send(ByteBuffer.allocate(1), x -> { }, null));
        assertEquals(IsapiError.WSAECONNABORTED, e.errorCode());
        e = assertThrows(IsapiException.class, () -> service.connectEx(peerAddress(), null, 0, x -> { }, null));
        assertEquals(IsapiError.INVALID_OPERATION, e.errorCode());
        a.close();
        b.close();
    }

    @Test
    void closeWhileConnectingCompletesTheConnectWith995() throws Exception {
        CompletableFuture<ConnectCompletion> f = new CompletableFuture<>();
        // A connect in progress: to a full listener, whose SYN is never answered.
        ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort());
        java.util.List<java.nio.channels.SocketChannel> fillers = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            java.nio.channels.SocketChannel x = java.nio.channels.SocketChannel.open();
            x.configureBlocking(false);
            x.connect(to);
            fillers.add(x);
        }
        OutboundConnection c = service.connectEx(to, null, 0, f::complete, null);
        c.close();
        ConnectCompletion done = f.get(WAIT, TimeUnit.SECONDS);
        assertEquals(IsapiError.OPERATION_ABORTED, done.errorCode());
        assertSame(c, done.connection());
        assertEquals(0, outbound.openCount());
        for (java.nio.channels.SocketChannel x : fillers) {
            x.close();
        }
        full.close();
    }
}
