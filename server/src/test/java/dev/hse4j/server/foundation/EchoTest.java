package dev.hse4j.server.foundation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.EcbFieldsExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import io.restassured.response.Response;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The request body, through echo and through an extension that reports the ECB's body fields. */
class EchoTest {

    static final int READ_AHEAD = 48 * 1024;

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp).samples("echo")
                .jar(FixtureJars.jarOf(tmp.resolve("fields.jar"), EcbFieldsExtension.class)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, READ_AHEAD - 1, READ_AHEAD, READ_AHEAD + 1, 5 * 1024 * 1024})
    void echoRoundTripsByteForByte(int size) {
        byte[] body = random(size);
        Response r = server.given().contentType("application/x-hse4j-test").body(body).post("/ext/echo");
        assertEquals(200, r.statusCode());
        assertEquals("application/x-hse4j-test", r.contentType());
        assertEquals(String.valueOf(size), r.header("Content-Length"));
        assertArrayEquals(body, r.asByteArray());
    }

    @Test
    void echoRoundTripsAChunkedUpload() throws Exception {
        byte[] body = random(1024 * 1024);
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-chunky\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            c.send(chunked(body, 10_000));
            RawHttp.Reply r = c.read();
            assertEquals(200, r.status());
            assertEquals("application/x-chunky", r.header("content-type"));
            // streamed back as it arrives: its length is known only at its end, so the reply is chunked too
            assertEquals("chunked", r.header("transfer-encoding"));
            assertArrayEquals(body, r.body());
        }
    }

    static byte[] chunked(byte[] body, int chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length; i += chunk) {
            int n = Math.min(chunk, body.length - i);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    static Map<String, String> fields(String text) {
        Map<String, String> m = new HashMap<>();
        for (String kv : text.split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    static String sha(byte[] b, int off, int len) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(b, off, len);
        return HexFormat.of().formatHex(d.digest());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, READ_AHEAD - 1, READ_AHEAD, READ_AHEAD + 1, 5 * 1024 * 1024})
    void ecbFieldsForKnownLengths(int size) throws Exception {
        byte[] body = random(size);
        Map<String, String> f = fields(server.given().contentType("application/octet-stream").body(body)
                .post("/ext/fields/a/b.txt?x=1").then().statusCode(200).extract().asString());
        int preloaded = Math.min(size, READ_AHEAD);
        assertEquals(String.valueOf(size), f.get("total"));
        assertEquals(String.valueOf(preloaded), f.get("available"));
        assertEquals(sha(body, 0, preloaded), f.get("preloaded"));
        assertEquals(sha(body, 0, size), f.get("body"));
        assertEquals(String.valueOf(size - preloaded), f.get("read"));
        assertEquals("0", f.get("after"));
        assertEquals("POST", f.get("method"));
        assertEquals("application/octet-stream", f.get("type"));
        assertEquals("x=1", f.get("query"));
        assertEquals("/a/b.txt", f.get("pathInfo"));
        assertTrue(f.get("translated").endsWith("/a/b.txt"), f.get("translated"));
        assertEquals("80000", f.get("version"));
    }

    @Test
    void ecbFieldsForAChunkedUpload() throws Exception {
        byte[] body = random(1024 * 1024);
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/fields HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            c.send(chunked(body, 4096));
            Map<String, String> f = fields(c.read().text());
            assertEquals("-1", f.get("total"), "a chunked body has an unknown length (UNKNOWN_LENGTH)");
            assertEquals(String.valueOf(READ_AHEAD), f.get("available"));
            assertEquals(sha(body, 0, READ_AHEAD), f.get("preloaded"));
            assertEquals(sha(body, 0, body.length), f.get("body"));
            assertEquals(String.valueOf(body.length - READ_AHEAD), f.get("read"));
            assertEquals("", f.get("pathInfo"));
        }
    }

    @Test
    void aSmallChunkedBodyThatFitsTheReadAheadHasAKnownTotal() throws Exception {
        byte[] body = random(1000);
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/fields HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            c.send(chunked(body, 300));
            Map<String, String> f = fields(c.read().text());
            assertEquals("1000", f.get("total"));
            assertEquals("1000", f.get("available"));
            assertEquals("0", f.get("read"));
        }
    }

    /** HTTP/1 without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3): a total of 0, not unknown. */
    @Test
    void aRequestWithNeitherLengthNorChunkingHasATotalOfZero() throws Exception {
        for (String version : new String[] {"HTTP/1.1", "HTTP/1.0"}) {
            try (RawHttp c = new RawHttp(server.port())) {
                c.send("GET /ext/fields " + version + "\r\nHost: x\r\n\r\n");
                Map<String, String> f = fields(c.read().text());
                assertEquals("0", f.get("total"), version);
                assertEquals("0", f.get("available"), version);
                assertEquals("0", f.get("read"), version);
                assertEquals("0", f.get("after"), version);
            }
        }
    }

    @Test
    void connIdsAreDistinctPerRequest() {
        String a = fields(server.given().get("/ext/fields").asString()).get("connId");
        String b = fields(server.given().get("/ext/fields").asString()).get("connId");
        assertTrue(!a.equals(b), a + " vs " + b);
    }

    @Test
    void aReadAheadOfZeroLeavesTheWholeBodyToReadClient() throws Exception {
        try (TestServer s = TestServer.builder(tmp.resolve("ra0"))
                .jar(FixtureJars.jarOf(tmp.resolve("ra0-fields.jar"), EcbFieldsExtension.class))
                .config(b -> b.readAheadBytes(0)).start()) {
            byte[] body = random(100_000);
            Map<String, String> f = fields(s.given().body(new ByteArrayInputStream(body).readAllBytes())
                    .post("/ext/ra0-fields").asString());
            assertEquals("100000", f.get("total"));
            assertEquals("0", f.get("available"));
            assertEquals("100000", f.get("read"));
            assertEquals(sha(body, 0, body.length), f.get("body"));
            // Without a read-ahead, a GET's total is still known: it has no body.
            Map<String, String> get = fields(s.given().get("/ext/ra0-fields").asString());
            assertEquals("0", get.get("total"));
            assertEquals("0", get.get("read"));
        }
    }
}
