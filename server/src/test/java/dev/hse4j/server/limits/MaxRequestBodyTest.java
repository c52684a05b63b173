package dev.hse4j.server.limits;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.LimitsReaderExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-extension maximum request body: a declared Content-Length over it is answered 413 before the
 * extension runs (and before the body is sent); a chunked body that grows past it fails the read with 223
 * (ERROR_FILE_TOO_LARGE) and the client gets 413; in the read-ahead, the extension is never called; the
 * server flag is the default for extensions that set none.
 */
class MaxRequestBodyTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        // reader: @ExtensionSettings(maxRequestBodyBytes = 1000, readAheadBytes = 0); hello: the server's 2000.
        server = TestServer.builder(tmp).samples("hello")
                .jar(FixtureJars.jarOf(tmp.resolve("reader.jar"), LimitsReaderExtension.class))
                .config(b -> b.limits(l -> l.withMaxRequestBody(2000))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static String chunked(int size) {
        StringBuilder b = new StringBuilder();
        for (int left = size; left > 0; left -= 100) {
            int n = Math.min(100, left);
            b.append(Integer.toHexString(n)).append("\r\n").append("x".repeat(n)).append("\r\n");
        }
        return b.append("0\r\n\r\n").toString();
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeTheBodyIsSent() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.socket().setSoTimeout(10_000);
            c.send("POST /ext/reader HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"); // no body follows
            RawHttp.Reply r = c.read();
            assertEquals(413, r.status());
            assertFalse(r.text().contains("Exception"), r.text());
        }
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/reader HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "y".repeat(1000));
            assertEquals("read=1000 then end", c.read().text(), "at the limit is fine");
        }
        try (RawHttp c = new RawHttp(server.port())) {
            c.socket().setSoTimeout(10_000);
            c.send("POST /ext/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 2001\r\n\r\n");
            assertEquals(413, c.read().status(), "the server flag applies to extensions without a setting");
        }
    }

    @Test
    void aChunkedBodyGrowingPastTheLimitFailsTheReadWith223AndIs413() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.socket().setSoTimeout(10_000);
            c.send("POST /ext/reader?chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(3000));
            RawHttp.Reply r = c.read();
            assertEquals(413, r.status(), new String(r.body(), StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(server.accessLog()).contains("code=223"));
        String line = Files.readAllLines(server.accessLog()).stream().filter(l -> l.contains("?chunked")).findFirst()
                .orElseThrow();
        assertTrue(line.contains(" 413 ") && line.contains("then code=223"), line);
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/reader HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(1000));
            assertEquals("read=1000 then end", c.read().text());
        }
    }

    @Test
    void aChunkedBodyOverTheLimitInTheReadAheadNeverReachesTheExtension() throws Exception {
        long before = server.server().limitStats().tooLargeBodies();
        try (RawHttp c = new RawHttp(server.port())) {
            c.socket().setSoTimeout(10_000);
            c.send("POST /ext/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(2500));
            assertEquals(413, c.read().status());
        }
        assertEquals(before + 1, server.server().limitStats().tooLargeBodies());
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(1500));
            RawHttp.Reply r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.text().contains("Hello"), r.text());
        }
    }
}
