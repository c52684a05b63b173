package dev.hse4j.server.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.ContractProbeExtension;
import dev.hse4j.fixtures.ErrorExtension;
import dev.hse4j.fixtures.NeverDoneExtension;
import dev.hse4j.fixtures.ThrowingExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.eclipse.jetty.http.HttpStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * No error response carries Java exception text (issue 8, item 4): every error path, the server's and
 * Jetty's own, is provoked over a socket and its status line, headers and body are read whole. Each is the
 * one plain shape: {@code text/plain}, "STATUS Reason", at most a sentence the server wrote.
 */
class ErrorPagesTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("probe.jar"), ContractProbeExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("throwing.jar"), ThrowingExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("error.jar"), ErrorExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("never.jar"), NeverDoneExtension.class))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static final String CRLF = "\r\n";

    /** Each row: the status expected, then the request's bytes with {@code |} for CRLF. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '~', value = {
            "404 ~ GET /ext/nosuch HTTP/1.1|Host: x|Connection: close||",
            "404 ~ GET /nosuch.html HTTP/1.1|Host: x|Connection: close||",
            "404 ~ GET /hse/nosuch HTTP/1.1|Host: x|Connection: close||",
            "405 ~ POST /hse/health HTTP/1.1|Host: x|Content-Length: 0|Connection: close||",
            "500 ~ GET /ext/throwing HTTP/1.1|Host: x|Connection: close||",
            "500 ~ GET /ext/error HTTP/1.1|Host: x|Connection: close||",
            "500 ~ GET /ext/probe?op=shortEmpty HTTP/1.1|Host: x|Connection: close||",
            "500 ~ GET /ext/never HTTP/1.1|Host: x|Connection: close||",
            "400 ~ POST /ext/probe?op=readAll HTTP/1.1|Host: x|Transfer-Encoding: chunked|Connection: close||4|abcd|zz||",
            "400 ~ GET /a b HTTP/1.1|Host: x||",
            "400 ~ GET / HTTP/1.1|Host: x|Bad Header||",
            "400 ~ GET /ext/%2e%2e/etc/passwd HTTP/1.1|Host: x|Connection: close||",
            "400 ~ GET /ext/probe/%2541 HTTP/1.1|Host: x|Connection: close||",
            "400 ~ POST /ext/probe HTTP/1.1|Host: x|Content-Length: abc||",
            "400 ~ POST /ext/probe HTTP/1.1|Host: x|Content-Length: 4|Transfer-Encoding: chunked||4|abcd|0||",
            "400 ~ GET / HTTP/1.1|Host: x|Host: y||",
            "505 ~ GET / HTTP/9.9|Host: x||",
            "416 ~ GET /index.html HTTP/1.1|Host: x|Range: bytes=99999999-|Connection: close||",
            "431 ~ GET / HTTP/1.1|Host: x|X-Big: BIG||",
    })
    void everyErrorIsPlainTextWithoutJavaText(int status, String request) throws Exception {
        String raw = request.replace("BIG", "a".repeat(64 * 1024)).replace("|", CRLF);
        String reply = exchange(raw);
        String statusLine = reply.substring(0, reply.indexOf(CRLF));
        assertEquals("HTTP/1.1 " + status + " " + HttpStatus.getMessage(status), statusLine, reply);
        String lower = reply.toLowerCase(java.util.Locale.ROOT);
        for (String leak : new String[] {"java.", "exception", "\tat ", "deliberate", "org.eclipse", "jetty", "<html",
                "caused by", "probe.jar"}) {
            assertFalse(lower.contains(leak), "leaks '" + leak + "':\n" + reply);
        }
        String body = reply.substring(reply.indexOf(CRLF + CRLF) + 4);
        if (status != 416) { // Jetty's range handling answers with no body; the rest carry the plain one
            assertTrue(lower.contains("content-type: text/plain;charset=utf-8"), reply);
            assertTrue(body.startsWith(status + " " + HttpStatus.getMessage(status) + "\n"), reply);
            assertTrue(body.split("\n").length <= 2, "status and at most one sentence:\n" + body);
        }
    }

    /** Jetty answers a conditional GET through the error handler too: the 304 stays a 304, without a body. */
    @Test
    void notModifiedStaysABodiless304() throws Exception {
        String etag = server.given().get("/index.html").then().statusCode(200).extract().header("ETag");
        String reply = exchange("GET /index.html HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag
                + "\r\nConnection: close\r\n\r\n");
        assertTrue(reply.startsWith("HTTP/1.1 304 Not Modified\r\n"), reply);
        assertTrue(reply.endsWith("\r\n\r\n"), "no body:\n" + reply);
    }

    /** Sends the bytes and reads until the server closes (every row ends the connection). */
    static String exchange(String raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no close within 10 s; got:\n" + got.toString(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // a reset after the reply (a request the server refused to read further): keep what came
            }
            String reply = got.toString(StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 "), "no reply:\n" + reply);
            return reply;
        }
    }
}
