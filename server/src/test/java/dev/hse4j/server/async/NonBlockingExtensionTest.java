package dev.hse4j.server.async;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.IsapiError;
import dev.hse4j.server.async.nb.BlockingWriterExtension;
import dev.hse4j.server.async.nb.NbEchoExtension;
import dev.hse4j.server.async.nb.NbWriterExtension;
import dev.hse4j.server.config.LimitsConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code @ExtensionSettings(nonBlocking = true)}: such a procedure runs on Jetty's network thread when its body
 * is all read ahead, and its synchronous writes never wait there; every other extension runs on a worker, so
 * one that blocks never stalls the network threads.
 */
class NonBlockingExtensionTest {

    @TempDir
    static Path tmp;
    static TestServer server;
    static final long BEHIND = 8L << 20;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp.resolve("srv")).samples("hello", "clock")
                .jar(FixtureJars.jarOf(tmp.resolve("jars/nbw.jar"), NbWriterExtension.class))
                .jar(FixtureJars.jarWithManifestClass(tmp.resolve("jars/bw.jar"), BlockingWriterExtension.class.getName(),
                        BlockingWriterExtension.class, NbWriterExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("jars/nbecho.jar"), NbEchoExtension.class))
                // Loopback sockets take a few MB a client does not read: more room behind than that, so that
                // writes of 6 MB to a stalled client show the difference between waiting and writing behind.
                .config(b -> b.limits(LimitsConfig.defaults().withWriteBehindLimit(BEHIND)))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aNonBlockingProcedureRunsOnTheNetworkThreadAndOthersOnAWorker() throws Exception {
        String status = server.given().get("/hse/status.json").then().statusCode(200).extract().asString();
        assertTrue(status.matches("(?s).*\"name\" : \"nbw\".*?\"nonBlocking\" : true.*"), "status.json shows the setting");
        assertTrue(status.matches("(?s).*\"name\" : \"bw\".*?\"nonBlocking\" : false.*"), "status.json shows the setting");
        try (RawHttp c = new RawHttp(server.port())) {
            assertEquals("network", c.get("/ext/nbw/where").text());
            assertEquals("worker", c.get("/ext/bw/where").text(), "an extension that may block is handed off");
            assertEquals("network", c.get("/ext/nbw/where").text(), "the same keep-alive connection, again");
        }
    }

    /**
     * The write that completes the declared Content-Length is handed to Jetty as the response's final send (no
     * second, empty write at the end). The extension sees no difference: an empty write after it returns 0, a
     * byte more is refused with 38 and nothing of it is sent, and the connection goes on serving.
     */
    @Test
    void theWriteThatCompletesTheDeclaredLengthEndsTheResponseAndLaterWritesBehaveAsBefore() throws Exception {
        for (String ext : new String[] {"nbw", "bw"}) {
            for (int total : new int[] {0, 18, 16_384, 100_000}) {
                String id = ext + "-final-" + total;
                try (RawHttp c = new RawHttp(server.port())) {
                    RawHttp.Reply r = c.get("/ext/" + ext + "/write?total=" + total + "&chunk=" + Math.max(1, total)
                            + "&after=1&id=" + id);
                    assertEquals(200, r.status());
                    assertEquals(total, r.body().length, ext + " " + total);
                    for (int i = 0; i < total; i++) {
                        assertEquals((byte) (i % 251), r.body()[i], "byte " + i);
                    }
                    String where = ext.equals("nbw") ? "network" : "worker";
                    assertEquals("ok " + total + " " + where + " empty=0 extra=" + IsapiError.HANDLE_EOF,
                            c.get("/ext/" + ext + "/result?id=" + id).text(), "the same connection serves on");
                }
            }
        }
    }

    @Test
    void theOperatorCanRunEveryExtensionOnAWorker() throws Exception {
        try (TestServer s = TestServer.builder(tmp.resolve("ignore"))
                .jar(FixtureJars.jarOf(tmp.resolve("jars2/nbw.jar"), NbWriterExtension.class))
                .config(b -> b.limits(LimitsConfig.defaults().withInlineNonBlocking(false))).start();
             RawHttp c = new RawHttp(s.port())) {
            assertEquals("worker", c.get("/ext/nbw/where").text(), "--ignore-non-blocking");
            assertTrue(s.given().get("/hse/status.json").then().statusCode(200).extract().asString()
                    .contains("\"inlineNonBlocking\" : false"));
        }
    }

    @Test
    void aBodyLargerThanTheReadAheadSendsEvenANonBlockingProcedureToAWorker() throws Exception {
        byte[] small = pattern(500);
        byte[] large = pattern(200_000);
        try (RawHttp c = new RawHttp(server.port())) {
            assertEcho(c, small, "network");
            assertEcho(c, large, "worker"); // its synchronous reads may wait for the body
            assertEcho(c, small, "network");
        }
    }

    private static void assertEcho(RawHttp c, byte[] body, String where) throws Exception {
        byte[] head = ("POST /ext/nbecho HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        c.send(request); // in one piece: a small body then arrives with the head, and is all read ahead at once
        byte[] got = c.read().body();
        byte[] prefix = (where + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] expected = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, expected, 0, prefix.length);
        System.arraycopy(body, 0, expected, prefix.length, body.length);
        assertArrayEquals(expected, got, "echo of " + body.length + " bytes");
    }

    @Test
    void manySynchronousWritesFromOneReusedBufferArriveByteExact() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            for (int chunk : new int[] {1, 7_001, 65_536}) {
                int total = chunk == 1 ? 5_000 : 900_000;
                c.send("GET /ext/nbw/write?total=" + total + "&chunk=" + chunk + "&id=exact" + chunk
                        + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttp.Reply r = c.read();
                assertEquals(200, r.status());
                assertArrayEquals(pattern(total), r.body(), "chunk " + chunk);
            }
        }
    }

    /**
     * A client that reads nothing: the blocking twin's procedure waits in its synchronous write, the
     * non-blocking one's returns at once and its bytes are written behind. Both bodies then arrive whole.
     */
    @Test
    void synchronousWritesOnTheNetworkThreadDoNotWaitForASlowClient() throws Exception {
        int total = 6_000_000;
        try (Socket nb = stalledClient("/ext/nbw/write?total=" + total + "&chunk=8192&id=stalled");
             Socket bw = stalledClient("/ext/bw/write?total=" + total + "&chunk=8192&id=stalled")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> result("nbw", "stalled").startsWith("ok "));
            assertEquals("ok " + total + " network", result("nbw", "stalled"));
            // The twin is still inside its write: the client has not read, and 6 MB do not fit in the sockets.
            assertEquals("none", result("bw", "stalled"), "the blocking twin must still wait for the client");
            assertArrayEquals(pattern(total), body(nb));
            assertArrayEquals(pattern(total), body(bw));
            await().atMost(Duration.ofSeconds(20)).until(() -> result("bw", "stalled").startsWith("ok "));
        }
    }

    @Test
    void pastTheWriteBehindLimitASynchronousWriteFailsWithWouldBlockAndTheServerGoesOn() throws Exception {
        try (Socket s = stalledClient("/ext/nbw/write?total=64000000&chunk=65536&id=cap")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> result("nbw", "cap").startsWith("error "));
            String[] r = result("nbw", "cap").split(" ");
            assertEquals(IsapiError.WSAEWOULDBLOCK, Integer.parseInt(r[1]), String.join(" ", r));
            long sent = Long.parseLong(r[2]);
            assertTrue(sent >= BEHIND - 65_536 && sent < 64_000_000, "failed after " + sent + " bytes");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> server.server().stats().liveSessions() == 0);
        try (RawHttp c = new RawHttp(server.port())) {
            assertEquals(200, c.get("/ext/hello").status());
        }
    }

    @Test
    void aClientThatLeavesWithBytesUnsentEndsTheSessionCleanly() throws Exception {
        Socket s = stalledClient("/ext/nbw/write?total=6000000&chunk=8192&id=gone");
        await().atMost(Duration.ofSeconds(20)).until(() -> result("nbw", "gone").startsWith("ok "));
        s.setSoLinger(true, 0);
        s.close(); // a reset, with most of the body still queued on the server
        await().atMost(Duration.ofSeconds(20)).until(() -> server.server().stats().liveSessions() == 0);
        try (RawHttp c = new RawHttp(server.port())) {
            assertEquals(200, c.get("/ext/hello").status());
        }
    }

    /**
     * Extensions that block (here PENDING-free procedures waiting in synchronous writes to clients that do not
     * read) hold workers, never the network threads: hello is answered on other connections meanwhile.
     */
    @Test
    void blockedProceduresDoNotStallTheNetworkThreads() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 8; i++) {
                stalled.add(stalledClient("/ext/bw/write?total=16000000&chunk=65536&id=block" + i));
            }
            List<Future<Integer>> hellos = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                hellos.add(pool.submit(() -> {
                    try (RawHttp c = new RawHttp(server.port())) {
                        return c.get("/ext/hello").status();
                    }
                }));
            }
            for (Future<Integer> f : hellos) {
                assertEquals(200, f.get(20, TimeUnit.SECONDS));
            }
            for (int i = 0; i < 8; i++) {
                assertEquals("none", result("bw", "block" + i), "still blocked in its write");
            }
        } finally {
            pool.shutdownNow();
            for (Socket s : stalled) {
                s.setSoLinger(true, 0);
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> server.server().stats().liveSessions() == 0);
    }

    /** A connection with a tiny receive window that sends a GET and reads nothing. */
    private static Socket stalledClient(String pathQuery) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(30_000);
        s.getOutputStream().write(("GET " + pathQuery + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    /** Reads the head (up to the blank line) and then the body of a Content-Length response. */
    private static byte[] body(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("head: " + head);
            }
            head.append((char) b);
        }
        String h = head.toString().toLowerCase();
        int at = h.indexOf("content-length: ");
        int n = Integer.parseInt(h.substring(at + 16, h.indexOf("\r\n", at)).trim());
        return in.readNBytes(n);
    }

    private static String result(String ext, String id) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            return c.get("/ext/" + ext + "/result?id=" + id).text();
        }
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }
}
