package dev.hse4j.server.async;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.AsyncProbeExtension;
import dev.hse4j.fixtures.NeverDoneExtension;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.LogCapture;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.StreamPattern;
import dev.hse4j.server.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The asynchronous rules of issue 3, each over a real socket. */
class AsyncIoTest {

    static final int BIG = 16 * 1024 * 1024;

    @TempDir
    static Path tmp;
    static TestServer server;
    static Path bigFile;
    static Path smallFile;
    static byte[] small;

    @BeforeAll
    static void start() throws Exception {
        bigFile = Files.write(tmp.resolve("big.bin"), pattern(BIG));
        small = new byte[1000];
        new Random(7).nextBytes(small);
        smallFile = Files.write(tmp.resolve("small.bin"), small);
        server = TestServer.builder(tmp.resolve("srv")).samples("stream", "hello")
                .jar(FixtureJars.jarOf(tmp.resolve("probe.jar"), AsyncProbeExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("neverdone.jar"), NeverDoneExtension.class))
                // A million chained writes take 9 s on a quiet machine, far longer on a loaded one: the
                // server-wide session timeout must not be what the test measures (neverdone has its own).
                .config(c -> c.sessionTimeout(Duration.ofSeconds(180)))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    @SuppressWarnings("unchecked")
    static String probe(String id) {
        Deployment d = server.server().registry().acquire("probe");
        try {
            return (String) ((Function<String, Object>) d.extension()).apply(id);
        } finally {
            d.release();
        }
    }

    static String enc(Path p) {
        return URLEncoder.encode(p.toString(), StandardCharsets.UTF_8);
    }

    static void awaitIdle() {
        await().atMost(Duration.ofSeconds(20)).until(() -> server.server().stats().liveSessions() == 0);
    }

    @Test
    void completionCarriesEcbContextBytesAndCode() throws Exception {
        String id = UUID.randomUUID().toString();
        RawHttp.Reply r;
        try (RawHttp c = new RawHttp(server.port())) {
            r = c.get("/ext/probe?op=values&id=" + id);
        }
        assertEquals(200, r.status());
        assertArrayEquals(pattern(1000), r.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("bytes=") && probe(id).contains("returned"));
        String p = probe(id);
        assertTrue(p.startsWith("unregisteredWrite=87 unregisteredRead=87 "), p);
        // The completion may run before or after the procedure returns, never inside the call: on another thread,
        // or on the procedure's own (a pool thread free again) once the procedure has returned.
        assertTrue(p.contains("bytes=1000 success=true code=0 sameContext=true sameEcb=true otherThread="), p);
        if (p.contains("otherThread=false")) {
            assertTrue(p.indexOf("returned") < p.indexOf("bytes=1000"), "on the same thread only after the return: " + p);
        }
        assertTrue(!p.contains("wrongCallback"), "the last registration wins");
    }

    @Test
    void aBufferChangedAfterItsCompletionDoesNotChangeWhatTheClientGot() throws Exception {
        byte[] body = server.given().get("/ext/probe?op=ownership").then().statusCode(200).extract().asByteArray();
        byte[] expected = new byte[512 * 1024];
        Arrays.fill(expected, 0, 256 * 1024, (byte) 'A');
        Arrays.fill(expected, 256 * 1024, expected.length, (byte) 'B');
        assertArrayEquals(expected, body);
    }

    @ParameterizedTest(name = "{0} pending, then {1}")
    @CsvSource({
        "write,writeAsync", "write,writeSync", "write,readAsync", "write,readSync", "write,transmit",
        "write,vectorSync", "write,vectorAsync", "write,header",
        "transmit,writeAsync", "transmit,writeSync", "transmit,readAsync", "transmit,readSync",
        "transmit,transmit", "transmit,vectorSync", "transmit,vectorAsync", "transmit,header",
        "vector,writeAsync", "vector,writeSync", "vector,readAsync", "vector,readSync", "vector,transmit",
        "vector,vectorSync", "vector,vectorAsync", "vector,header",
        "read,writeAsync", "read,writeSync", "read,readAsync", "read,readSync", "read,transmit",
        "read,vectorSync", "read,vectorAsync", "read,header",
    })
    void aSecondOperationIsRefusedWith170AndTheFirstCompletesIntact(String first, String second) throws Exception {
        String id = UUID.randomUUID().toString();
        try (RawHttp c = new RawHttp(server.port())) {
            String target = "/ext/probe?op=pair&first=" + first + "&second=" + second + "&id=" + id + "&file=" + enc(bigFile);
            if (first.equals("read")) {
                c.send("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n");
            } else {
                c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            // The client holds back (no body yet, nothing read): the first operation is pending.
            await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("second="));
            assertTrue(probe(id).contains("second=170"), probe(id));
            RawHttp.Reply r;
            if (first.equals("read")) {
                c.send("0123456789");
                r = c.read();
                assertEquals("read=10 hex=" + HexFormat.of().formatHex("0123456789".getBytes(StandardCharsets.US_ASCII)),
                        r.text());
            } else {
                r = c.read();
                assertEquals(BIG, r.body().length);
                assertArrayEquals(pattern(BIG), r.body(), "the pending operation's bytes were disturbed");
            }
            assertEquals(200, r.status());
        }
        String expectedBytes = first.equals("read") ? "10" : String.valueOf(BIG);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("first="));
        assertEquals("second=170 first=" + expectedBytes + "/0", probe(id));
    }

    @Test
    void aMillionChainedOneByteWritesDoNotGrowTheStack() throws Exception {
        int n = 1_000_000;
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/ext/probe?op=chain&n=" + n);
            assertEquals(200, r.status());
            assertEquals(n, r.body().length);
            for (byte b : r.body()) {
                if (b != 'x') {
                    throw new AssertionError("unexpected byte " + b);
                }
            }
            // The connection is still good for the next request.
            assertEquals(200, c.get("/ext/hello").status());
        }
    }

    @Test
    void doneWithSessionTwiceIsRefusedAndChangesNothing() throws Exception {
        String id = UUID.randomUUID().toString();
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/ext/probe?op=doneTwice&id=" + id);
            assertEquals("hello", r.text());
            // SUCCESS (not the second call's ERROR) won: the connection is kept and works.
            assertEquals(200, c.get("/ext/hello").status());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("second="));
        assertEquals("first=ok second=4317", probe(id));
    }

    @Test
    void doneWithSessionWhileAWriteIsPendingNeverTruncates() throws Exception {
        String id = UUID.randomUUID().toString();
        int n = 8 * 1024 * 1024;
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /ext/probe?op=doneWhilePending&n=" + n + "&id=" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("writeAfterDone"));
            RawHttp.Reply r = c.read();
            assertEquals(n, r.body().length);
            assertArrayEquals(pattern(n), r.body());
            assertEquals(200, c.get("/ext/hello").status());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("completion="));
        assertEquals("doneAccepted writeAfterDone=4317 completion=" + n + "/0", probe(id));
    }

    @Test
    void aSessionNeverDoneTimesOutIsLoggedCountedAndFreed() throws Exception {
        long before = server.server().stats().sessionTimeouts();
        try (LogCapture log = new LogCapture()) {
            // Nothing sent yet: the client gets an error status.
            try (RawHttp c = new RawHttp(server.port())) {
                RawHttp.Reply r = c.get("/ext/neverdone?fresh");
                assertEquals(500, r.status());
            }
            // Response already started: the connection is cut, the body never completes.
            try (RawHttp c = new RawHttp(server.port())) {
                c.send("GET /ext/neverdone?started HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, c.readHead().status());
                assertTrue(c.readBytes(100).length < 100);
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertTrue(log.text().contains("session timeout: neverdone (neverdone.jar) /ext/neverdone?started"),
                            log.text()));
        }
        awaitIdle();
        assertEquals(before + 2, server.server().stats().sessionTimeouts());
        Deployment d = server.server().registry().acquire("neverdone");
        try {
            assertEquals(2, d.sessionTimeouts());
            assertEquals(0, d.pendingSessions());
            assertEquals(1, d.inFlight(), "only this test's own reference");
        } finally {
            d.release();
        }
        assertEquals(0, server.server().stats().pendingSessions());
    }

    @Test
    void twoHundredClientsDisconnectingMidStreamEachCompleteOnceWith995() throws Exception {
        List<String> ids = new ArrayList<>();
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                RawHttp c = new RawHttp(server.port());
                clients.add(c);
                c.send("GET /ext/probe?op=forever&id=" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            for (RawHttp c : clients) {
                assertEquals(200, c.readHead().status());
                assertEquals(100_000, c.readBytes(100_000).length);
            }
        } finally {
            for (RawHttp c : clients) {
                c.abort();
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> probe(id).contains("error=")));
        for (String id : ids) {
            assertEquals("error=995 connected=false", probe(id), "exactly one completion, with 995");
        }
        awaitIdle();
        assertEquals(0, server.server().stats().pendingSessions());
    }

    @Test
    void transmitFileRegionsHeadsAndTails() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] body = server.given().urlEncodingEnabled(false)
                .get("/ext/probe?op=tf&id=" + id + "&file=" + enc(smallFile) + "&off=100&len=300&head=HEAD&tail=TAIL"
                        + "&type=application/x-tf")
                .then().statusCode(200).contentType("application/x-tf").extract().asByteArray();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("HEAD".getBytes(StandardCharsets.US_ASCII));
        expected.write(small, 100, 300);
        expected.writeBytes("TAIL".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected.toByteArray(), body);
        await().atMost(Duration.ofSeconds(10)).until(() -> !probe(id).isEmpty());
        // The operation's own callback overrides the registered one.
        assertEquals("ownCallback bytes=308 code=0 ctx=tf-ctx", probe(id));

        // Length 0 = to the end of the file.
        byte[] rest = server.given().urlEncodingEnabled(false)
                .get("/ext/probe?op=tf&id=x&file=" + enc(smallFile) + "&off=900").then().statusCode(200)
                .extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(small, 900, 1000), rest);
        // Offset past the end, or a region running past it: an error, not a short response.
        server.given().urlEncodingEnabled(false).get("/ext/probe?op=tf&file=" + enc(smallFile) + "&off=1001")
                .then().statusCode(200).body(org.hamcrest.Matchers.equalTo("err code=10022"));
        server.given().urlEncodingEnabled(false).get("/ext/probe?op=tf&file=" + enc(smallFile) + "&off=900&len=101")
                .then().statusCode(200).body(org.hamcrest.Matchers.equalTo("err code=10022"));
        server.given().urlEncodingEnabled(false).get("/ext/probe?op=tf&file=" + enc(tmp.resolve("missing.bin")))
                .then().statusCode(200).body(org.hamcrest.Matchers.equalTo("err code=2"));
        awaitIdle();
    }

    @ParameterizedTest
    @CsvSource({"sync", "async"})
    void vectorSendMixesBuffersAndFileRegions(String mode) throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] body = server.given().urlEncodingEnabled(false)
                .get("/ext/probe?op=vec&mode=" + mode + "&id=" + id + "&file=" + enc(smallFile))
                .then().statusCode(200).contentType("application/x-vector").extract().asByteArray();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("HEAD-".getBytes(StandardCharsets.US_ASCII));
        expected.write(small, 0, 100);
        expected.writeBytes("-MID-".getBytes(StandardCharsets.US_ASCII));
        expected.write(small, 200, 800);
        expected.writeBytes("-END+more".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected.toByteArray(), body);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("after="));
        assertEquals(mode.equals("async") ? "async bytes=914 code=0 after=accepted" : "sync bytes=914 after=accepted",
                probe(id));
    }

    @Test
    void vectorSendFinalSendEndsTheBody() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] body = server.given().urlEncodingEnabled(false)
                .get("/ext/probe?op=vec&mode=sync&final&id=" + id + "&file=" + enc(smallFile))
                .then().statusCode(200).extract().asByteArray();
        assertEquals(914, body.length);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe(id).contains("after="));
        assertEquals("sync bytes=914 after=4317", probe(id));
        server.given().urlEncodingEnabled(false)
                .get("/ext/probe?op=vec&mode=sync&pastEnd&file=" + enc(smallFile))
                .then().statusCode(200).body(org.hamcrest.Matchers.equalTo("err code=10022"));
    }

    @Test
    void asyncReadClientReadsTheWholeBodyThenZero() throws Exception {
        byte[] body = new byte[300_000];
        new Random(3).nextBytes(body);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        server.given().body(body).post("/ext/probe?op=aread").then().statusCode(200)
                .body(org.hamcrest.Matchers.startsWith("total=300000 sha=" + sha + " completions="));
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/probe?op=aread HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < body.length; i += 77_777) {
                int n = Math.min(77_777, body.length - i);
                c.send((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                c.send(Arrays.copyOfRange(body, i, i + n));
                c.send("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            c.send("0\r\n\r\n");
            assertTrue(c.read().text().startsWith("total=300000 sha=" + sha));
        }
    }

    @Test
    void cancelIoCompletesAPendingReadWith995() throws Exception {
        String id = UUID.randomUUID().toString();
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/probe?op=cancelRead&id=" + id + " HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n");
            assertEquals("cancelled code=995", c.read().text());
        }
        assertEquals("completion bytes=0 code=995", probe(id));
        awaitIdle();
    }

    @Test
    void closeConnectionCompletesAPendingReadWith64() throws Exception {
        String id = UUID.randomUUID().toString();
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/probe?op=closeRead&id=" + id + " HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n");
            assertTrue(c.closedByServer());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !probe(id).isEmpty());
        assertEquals("completion bytes=0 code=64 connected=false", probe(id));
        awaitIdle();
    }

    @ParameterizedTest
    @CsvSource({"0,65536", "1,65536", "1048576,65536", "1048576,1000", "104857600,65536"})
    void streamSampleSendsTheDocumentedPattern(long n, int chunk) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /ext/stream?bytes=" + n + "&chunk=" + chunk + " HTTP/1.1\r\nHost: x\r\n\r\n");
            StreamPattern.readAndCheck(c, n);
            assertEquals(200, c.get("/ext/hello").status(), "the connection is kept after the stream");
        }
    }

    @Test
    void extensionCallsRunOnVirtualThreadsWhenAskedAndAvailable() throws Exception {
        try (TestServer vt = TestServer.builder(tmp.resolve("vt"))
                .jar(FixtureJars.jarOf(tmp.resolve("vtprobe.jar"), AsyncProbeExtension.class))
                .config(b -> b.virtualThreads(true)).start()) {
            boolean expected = Runtime.version().feature() >= 21;
            vt.given().get("/ext/vtprobe?op=thread").then().statusCode(200)
                    .body(org.hamcrest.Matchers.equalTo("virtual=" + expected));
        }
        server.given().get("/ext/probe?op=thread").then().body(org.hamcrest.Matchers.equalTo("virtual=false"));
    }
}
