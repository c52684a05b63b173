package dev.hse4j.server.ssf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HSE_REQ_ABORTIVE_CLOSE: the client's socket sees a reset (ECONNRESET), not an orderly end of stream. */
class AbortiveCloseTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = SsfTesting.start(tmp, UnaryOperator.identity());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** Reads until the stream ends; returns normally on EOF, throws on a reset. */
    private static void drain(InputStream in) throws Exception {
        byte[] b = new byte[1024];
        while (in.read(b) >= 0) {
            // keep reading
        }
    }

    @Test
    void afterTheResponseTheConnectionIsReset() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            RawHttp.Reply r = raw.get("/ext/ssf?op=abortive");
            assertEquals(200, r.status());
            assertEquals("hello", r.text());
            SocketException e = assertThrows(SocketException.class, () -> drain(raw.socket().getInputStream()));
            assertTrue(e.getMessage().toLowerCase().contains("reset"), e.getMessage());
        }
    }

    @Test
    void withCloseConnectionTheResetIsImmediate() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.send("GET /ext/ssf?op=abortiveNow HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            SocketException e = assertThrows(SocketException.class, () -> drain(in));
            assertTrue(e.getMessage().toLowerCase().contains("reset"), e.getMessage());
        }
    }

    @Test
    void aNormalResponseStillEndsGracefully() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.send("GET /ext/ssf?op=ssf&code=1030 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            byte[] all = raw.socket().getInputStream().readAllBytes(); // EOF, no exception
            assertTrue(new String(all, StandardCharsets.ISO_8859_1).endsWith("ok 0"));
        }
    }
}
