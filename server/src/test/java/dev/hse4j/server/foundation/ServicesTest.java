package dev.hse4j.server.foundation;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.ReadTimeoutExtension;
import dev.hse4j.fixtures.ServicesExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ServerSupportFunction services, response framing and keep-alive, the access log. */
class ServicesTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp).samples("redirect", "hello")
                .jar(FixtureJars.jarOf(tmp.resolve("svc.jar"), ServicesExtension.class))
                .jar(FixtureJars.jarOf(tmp.resolve("readtimeout.jar"), ReadTimeoutExtension.class))
                .config(b -> b.readTimeout(Duration.ofMillis(700))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void redirectSample() {
        server.given().redirects().follow(false).get("/ext/redirect?to=/index.html").then()
                .statusCode(302).header("Location", "/index.html");
        server.given().redirects().follow(false).get("/ext/redirect?to=http://evil.example/").then().statusCode(400);
    }

    @Test
    void headersOnlyOnce() {
        server.given().get("/ext/svc?op=headerTwice").then().statusCode(200).body(equalTo("err code=4317"));
    }

    @Test
    void transferEncodingFromAnExtensionIsRefused() {
        server.given().get("/ext/svc?op=badheader").then().statusCode(200).body(equalTo("err code=87"));
    }

    @Test
    void windowsOnlyServicesAre50AndUnknownCodes87() {
        for (int code : new int[] {1002, 1007, 1011, 1038, 1042, 1046, 1050}) { // 1012, 1014: see dev.hse4j.server.ssf
            server.given().get("/ext/svc?op=ssf&code=" + code).then().body(equalTo("err code=50"));
        }
        for (int code : new int[] {0, 5, 999, 1004, 9999}) {
            server.given().get("/ext/svc?op=ssf&code=" + code).then().body(equalTo("err code=87"));
        }
        server.given().get("/ext/svc?op=ssf&code=1030").then().body(equalTo("ok 0"));
        server.given().get("/ext/svc?op=ssf&code=1008").then().body(equalTo("ok true"));
        server.given().get("/ext/svc?op=ssf&code=1018").then().body(equalTo("ok true"));
        // Supported codes that need a parameter say so instead of doing nothing.
        server.given().get("/ext/svc?op=ssf&code=1001").then().body(equalTo("err code=87"));
    }

    @Test
    void statusCodeWithoutExplicitHeaders() {
        server.given().get("/ext/svc?op=status").then().statusCode(418).body(equalTo("short and stout"));
    }

    @Test
    void successKeepsTheConnectionWhenFramingAllows() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply a = c.get("/ext/svc?op=nobody");
            assertEquals(200, a.status());
            assertEquals("0", a.header("content-length"));
            RawHttp.Reply b = c.get("/ext/svc?op=chunked");
            assertEquals("chunked", b.header("transfer-encoding"));
            assertEquals("part0\npart1\npart2\n", b.text());
            RawHttp.Reply k = c.get("/ext/svc?op=keepconn");
            assertEquals("keep=true", k.text());
            assertEquals(200, c.get("/ext/hello").status());
        }
    }

    @Test
    void http10WithoutLengthCloses() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /ext/svc?op=keepconn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals("keep=false", c.read().text());
        }
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /ext/svc?op=chunked HTTP/1.0\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertNull(r.header("transfer-encoding"));
            assertEquals("part0\npart1\npart2\n", r.text());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void closeConnectionCutsTheConnectionAndLaterWritesFailWith64() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /ext/svc?op=close HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Reply head = c.readHead();
            assertEquals(200, head.status());
            assertTrue(c.readBytes(100).length < 100, "the promised body must not complete");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertTrue(Files.readString(server.accessLog()).contains("after-close code=64")));
    }

    @Test
    void accessLogCarriesTheLogData() {
        server.given().header("User-Agent", "log-test-agent").get("/ext/svc?op=log").then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String log = Files.readString(server.accessLog());
            assertTrue(log.contains("\"GET /ext/svc?op=log HTTP/1.1\" 200 6 \"\" \"log-test-agent\" "
                    + "\"fixture-log-data&appended=1\""), log);
        });
    }

    @Test
    void doneWithSessionWithoutPendingIsHarmless() {
        server.given().get("/ext/svc?op=done").then().statusCode(200).body(equalTo("written before done"));
        server.given().get("/ext/hello").then().statusCode(200).body(containsString("Hello"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertTrue(Files.readString(server.accessLog()).contains("write after done code=4317")));
    }

    @Test
    void syncReadClientTimesOutWith1460AndNeverBlocksPastTheEnd() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            // Promise 10 bytes, send 4, then stall: the read after the 4 must time out.
            c.send("POST /ext/readtimeout HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcd");
            RawHttp.Reply r = c.read();
            assertEquals("read=4 then code=1460", r.text());
        }
        try (RawHttp c = new RawHttp(server.port())) {
            long t0 = System.nanoTime();
            c.send("POST /ext/readtimeout HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
            assertEquals("read=4 then end", c.read().text());
            assertTrue(System.nanoTime() - t0 < 600_000_000L, "reading past the end must not wait");
        }
    }
}
