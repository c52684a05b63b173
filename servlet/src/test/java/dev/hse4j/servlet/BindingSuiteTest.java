package dev.hse4j.servlet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.AsyncProbeExtension;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.StreamPattern;
import dev.hse4j.servlet.ThreeHosts.Host;
import dev.hse4j.servlet.ThreeHosts.Kind;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ECB rules on three hosts, one suite: hse4j's own server, {@link HseServlet} in Tomcat 10.1, and in Jetty 12
 * ee10. Each test runs against each host; the samples and the probe extension are the same jars everywhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BindingSuiteTest {

    static final int READ_AHEAD = 48 * 1024;
    /** Tomcat's default maxSwallowSize. */
    static final int TOMCAT_MAX_SWALLOW = 2 * 1024 * 1024;

    @TempDir
    static Path tmp;
    final Map<Kind, Host> hosts = new EnumMap<>(Kind.class);

    @BeforeAll
    void start() throws Exception {
        Path probe = ExtensionJars.jarOf(tmp.resolve("jars/probe.jar"), AsyncProbeExtension.class);
        for (Kind k : Kind.values()) {
            hosts.put(k, ThreeHosts.start(k, tmp.resolve(k.name()), List.of("echo", "stream", "hello", "clock"),
                    List.of(probe)));
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (Host h : hosts.values()) {
            h.close();
        }
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    static List<Arguments> echoSizes() {
        List<Arguments> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            for (int size : new int[] {0, 1, READ_AHEAD - 1, READ_AHEAD, READ_AHEAD + 1, 5 * 1024 * 1024}) {
                out.add(Arguments.of(k, size));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}: {1} bytes")
    @MethodSource("echoSizes")
    void echoRoundTripsByteForByteAtTheReadAheadBoundaries(Kind kind, int size) throws Exception {
        Host h = hosts.get(kind);
        byte[] body = random(size);
        try (RawHttp c = new RawHttp(h.port())) {
            c.send("POST " + h.base() + "/ext/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-hse4j-test\r\n"
                    + "Content-Length: " + size + "\r\n\r\n");
            c.send(body);
            RawHttp.Reply r = c.read();
            assertEquals(200, r.status());
            assertEquals("application/x-hse4j-test", r.header("content-type"));
            assertEquals(String.valueOf(size), r.header("content-length"));
            assertArrayEquals(body, r.body());
            if (kind == Kind.TOMCAT && size - READ_AHEAD > TOMCAT_MAX_SWALLOW) {
                // Tomcat's own policy: a response committed while more than maxSwallowSize (2 MiB) of the request
                // body is unread closes the connection, and says so. The echo answers after the read-ahead.
                assertEquals("close", r.header("connection"));
                assertTrue(c.closedByServer());
            } else {
                assertEquals(200, c.get(h.base() + "/ext/hello").status(), "the connection is kept after the echo");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void echoRoundTripsAChunkedUpload(Kind kind) throws Exception {
        Host h = hosts.get(kind);
        byte[] body = random(1024 * 1024 + 7);
        try (RawHttp c = new RawHttp(h.port())) {
            c.send("POST " + h.base() + "/ext/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-chunky\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            c.send(chunked(body, 10_000));
            RawHttp.Reply r = c.read();
            assertEquals(200, r.status());
            // its length is known only at its end: streamed back chunked
            assertEquals("chunked", r.header("transfer-encoding"));
            assertArrayEquals(body, r.body());
        }
    }

    static byte[] chunked(byte[] body, int piece) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length; i += piece) {
            int n = Math.min(piece, body.length - i);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    static List<Arguments> streams() {
        List<Arguments> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            out.add(Arguments.of(k, 0L, 65536));
            out.add(Arguments.of(k, 1_048_576L, 1000));
            out.add(Arguments.of(k, 20_971_520L, 65536));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}: {1} bytes in {2}-byte writes")
    @MethodSource("streams")
    void streamSampleSendsTheDocumentedPattern(Kind kind, long n, int chunk) throws Exception {
        Host h = hosts.get(kind);
        try (RawHttp c = new RawHttp(h.port())) {
            c.send("GET " + h.base() + "/ext/stream?bytes=" + n + "&chunk=" + chunk + " HTTP/1.1\r\nHost: x\r\n\r\n");
            StreamPattern.readAndCheck(c, n);
            assertEquals(200, c.get(h.base() + "/ext/hello").status(), "the connection is kept after the stream");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void fiftyClockSessionsArePendingAtOnceAndEachAnsweredOnce(Kind kind) throws Exception {
        Host h = hosts.get(kind);
        int n = 50;
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                RawHttp c = new RawHttp(h.port());
                clients.add(c);
                c.send("GET " + h.base() + "/ext/clock?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            // All PENDING at once (the procedure returned; the session waits for doneWithSession).
            await().atMost(Duration.ofSeconds(10)).until(() -> h.stats().pendingSessions() == n);
            for (RawHttp c : clients) {
                RawHttp.Reply r = c.read();
                assertEquals(200, r.status());
                assertTrue(r.text().startsWith("tick "), r.text());
            }
        } finally {
            for (RawHttp c : clients) {
                c.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> h.stats().liveSessions() == 0);
    }

    @SuppressWarnings("unchecked")
    static String probe(Host h, String id) {
        Deployment d = h.registry().acquire("probe");
        try {
            return (String) ((Function<String, Object>) d.extension()).apply(id);
        } finally {
            d.release();
        }
    }

    static List<Arguments> pairs() {
        List<Arguments> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            for (String[] p : new String[][] {{"write", "writeAsync"}, {"write", "writeSync"}, {"write", "readAsync"},
                    {"read", "readAsync"}, {"read", "writeSync"}, {"write", "header"}}) {
                out.add(Arguments.of(k, p[0], p[1]));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}: {1} pending, then {2}")
    @MethodSource("pairs")
    void aSecondOperationIsRefusedWith170AndTheFirstCompletesIntact(Kind kind, String first, String second)
            throws Exception {
        Host h = hosts.get(kind);
        String id = UUID.randomUUID().toString();
        try (RawHttp c = new RawHttp(h.port())) {
            String target = h.base() + "/ext/probe?op=pair&first=" + first + "&second=" + second + "&id=" + id;
            if (first.equals("read")) {
                c.send("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n");
            } else {
                c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            // The client holds back (no body yet, nothing read): the first operation is pending.
            await().atMost(Duration.ofSeconds(10)).until(() -> probe(h, id).contains("second="));
            assertTrue(probe(h, id).contains("second=170"), probe(h, id));
            RawHttp.Reply r;
            if (first.equals("read")) {
                c.send("0123456789");
                r = c.read();
                assertEquals("read=10 hex=" + HexFormat.of().formatHex("0123456789".getBytes(StandardCharsets.US_ASCII)),
                        r.text());
            } else {
                r = c.read();
                assertArrayEquals(pattern(16 * 1024 * 1024), r.body(), "the pending operation's bytes were disturbed");
            }
            assertEquals(200, r.status());
        }
        String expectedBytes = first.equals("read") ? "10" : String.valueOf(16 * 1024 * 1024);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe(h, id).contains("first="));
        assertEquals("second=170 first=" + expectedBytes + "/0", probe(h, id));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void clientsDisconnectingMidStreamEachCompleteOnceWith995(Kind kind) throws Exception {
        Host h = hosts.get(kind);
        List<String> ids = new ArrayList<>();
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                RawHttp c = new RawHttp(h.port());
                clients.add(c);
                c.send("GET " + h.base() + "/ext/probe?op=forever&id=" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
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
        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id -> probe(h, id).contains("error=")));
        for (String id : ids) {
            assertEquals("error=995 connected=false", probe(h, id), "exactly one completion, with 995");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> h.stats().liveSessions() == 0);
    }
}
