package dev.hse4j.server.contract;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.IsapiError;
import dev.hse4j.fixtures.ContractProbeExtension;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.LogCapture;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ECB's promises to an extension author (issue 8, item 4), over real sockets. */
class EcbContractTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("probe.jar"), ContractProbeExtension.class)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
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

    static Map<String, String> vars(String path, String names) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET " + path + "?op=vars&names=" + names + " HTTP/1.1\r\nHost: example.com:1234\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertEquals(200, r.status(), r.text());
            Map<String, String> m = new HashMap<>();
            for (String line : r.text().split("\n")) {
                int eq = line.indexOf('=');
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
            return m;
        }
    }

    /** 64 KB of good chunks (past the 48 KB read-ahead), then a chunk-size line that is not hex. */
    @Test
    void aMalformedChunkAfterGoodOnesIsReadFault30AndTheClientGets400() throws Exception {
        String id = UUID.randomUUID().toString();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < 16; i++) {
            body.writeBytes("1000\r\n".getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(new byte[4096]);
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.writeBytes("zz\r\n".getBytes(StandardCharsets.US_ASCII));
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/probe?op=readAll&id=" + id + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            c.send(body.toByteArray());
            await().atMost(Duration.ofSeconds(10)).until(() -> !probe(id).isEmpty());
            assertEquals("read=65536 code=30 connected=true", probe(id));
            RawHttp.Reply r = c.read();
            assertEquals(400, r.status(), r.text());
            assertEquals("400 Bad Request\nthe request body is malformed\n", r.text());
            assertNoJavaText(r);
        }
    }

    @Test
    void pathInfoAndUrlAreDecodedUnencodedUrlIsRaw() throws Exception {
        Map<String, String> v = vars("/ext/probe/x%20y/%C3%A9", "PATH_INFO,URL,UNENCODED_URL,PATH_TRANSLATED,SCRIPT_NAME");
        assertEquals("/x y/é", v.get("pathInfo()"));
        assertEquals("/x y/é", v.get("PATH_INFO"));
        assertEquals("/ext/probe/x y/é", v.get("URL"), "IIS: the decoded path, no query");
        assertEquals("/ext/probe/x%20y/%C3%A9?op=vars&names=PATH_INFO,URL,UNENCODED_URL,PATH_TRANSLATED,SCRIPT_NAME",
                v.get("UNENCODED_URL"), "IIS 7: the URL as the client sent it");
        String webroot = server.server().config().webroot().toRealPath().toString();
        assertEquals(Path.of(webroot, "x y", "é").toString(), v.get("PATH_TRANSLATED"));
        assertEquals(v.get("PATH_TRANSLATED"), v.get("pathTranslated()"));
        assertEquals("/ext/probe", v.get("SCRIPT_NAME"));
    }

    @Test
    void serverPortIsTheLocalPortNotTheHostHeader() throws Exception {
        Map<String, String> v = vars("/ext/probe", "SERVER_PORT,SERVER_NAME");
        assertEquals(String.valueOf(server.port()), v.get("SERVER_PORT"));
        assertEquals("example.com", v.get("SERVER_NAME"));
    }

    /** Content-Length: 10, 5 bytes written, SUCCESS: the connection closes at once, the error is counted. */
    @Test
    void aResponseShorterThanItsContentLengthClosesTheConnectionAtOnce() throws Exception {
        long errors = errorsOfProbe();
        try (LogCapture log = new LogCapture(); RawHttp c = new RawHttp(server.port())) {
            c.socket().setSoTimeout(5_000); // the idle timeout is 30 s: closing "at once" is well within 5
            c.send("GET /ext/probe?op=short HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Reply head = c.readHead();
            assertEquals(200, head.status());
            assertEquals("10", head.header("content-length"));
            assertArrayEquals("12345".getBytes(StandardCharsets.US_ASCII), c.readBytes(10), "5 bytes, then the end");
            assertEquals(-1, c.socket().getInputStream().read(), "closed by the server, not left to time out");
            await().atMost(Duration.ofSeconds(5)).until(() -> errorsOfProbe() == errors + 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> log.text().contains("probe (probe.jar) declared a "
                    + "Content-Length 5 bytes longer than it wrote"));
        }
    }

    /** Content-Length: 8, nothing written, SUCCESS: nothing has gone out yet, so a plain 500. */
    @Test
    void aDeclaredLengthWithNoBodyIsAPlain500() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/ext/probe?op=shortEmpty");
            assertEquals(500, r.status());
            assertEquals("500 Server Error\nthe extension could not answer this request\n", r.text());
            assertNoJavaText(r);
        }
    }

    /** A write past the declared length fails with 38 and sends nothing; the response can still be completed. */
    @Test
    void aWritePastTheDeclaredLengthFailsWithHandleEofAndSendsNothing() throws Exception {
        String id = UUID.randomUUID().toString();
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/ext/probe?op=over&id=" + id);
            assertEquals(200, r.status());
            assertEquals("1234567890", r.text());
            assertEquals(200, c.get("/ext/probe?op=vars&names=URL").status(), "the connection is kept");
        }
        assertEquals("overwrite=" + IsapiError.HANDLE_EOF + " connected=true", probe(id));
        assertEquals("ERROR_HANDLE_EOF", IsapiError.name(IsapiError.HANDLE_EOF));
    }

    static long errorsOfProbe() {
        Deployment d = server.server().registry().acquire("probe");
        try {
            return d.errors();
        } finally {
            d.release();
        }
    }

    static void assertNoJavaText(RawHttp.Reply r) {
        String all = r.headers() + "\n" + r.text();
        for (String bad : new String[] {"java.", "Exception", "\tat ", "jetty"}) {
            assertTrue(!all.contains(bad), "leaks '" + bad + "': " + all);
        }
    }
}
