package dev.hse4j.server.limits;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.LimitsReaderExtension;
import dev.hse4j.fixtures.NonBlockingCappedExtension;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-extension bulkhead: an extension whose requests are all stuck (here in synchronous readClient on
 * bodies that never come) answers further requests 503 with Retry-After at once, and everything else keeps
 * answering; when its requests end, it takes new ones again.
 */
class BulkheadTest {

    @TempDir
    Path tmp;

    static final String STUCK = "POST /ext/reader HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n";

    @Test
    void anExtensionAtItsCapAnswers503AtOnceAndOthersKeepServing() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("hello")
                .jar(FixtureJars.jarOf(tmp.resolve("reader.jar"), LimitsReaderExtension.class))
                .config(b -> b.limits(l -> l.withRates(0, 0, Duration.ofSeconds(1)))).start()) {
            Deployment reader = s.server().registry().acquire("reader");
            reader.release();
            assertEquals(2, reader.bulkhead().cap(), "@ExtensionSettings(maxConcurrentRequests = 2)");
            List<RawHttp> stuck = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    RawHttp c = new RawHttp(s.port());
                    c.send(STUCK);
                    stuck.add(c);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> reader.bulkhead().busy() == 2);

                try (RawHttp third = new RawHttp(s.port())) {
                    third.socket().setSoTimeout(5_000);
                    long t0 = System.nanoTime();
                    third.send(STUCK);
                    RawHttp.Reply r = third.read();
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertEquals(503, r.status());
                    assertEquals("1", r.header("retry-after"));
                    assertTrue(ms < 2_000, "answered at once, not after a wait: " + ms + " ms");
                    assertFalse(r.text().contains("Exception"), r.text());
                }
                s.given().get("/ext/hello").then().statusCode(200);
                s.given().get("/hse/health").then().statusCode(200);
                s.given().get("/index.html").then().statusCode(200);

                JsonNode status = new ObjectMapper().readTree(s.given().get("/hse/status.json").asString());
                JsonNode ext = null;
                for (JsonNode e : status.get("extensions")) {
                    if (e.get("name").asText().equals("reader")) {
                        ext = e;
                    }
                }
                assertEquals(2, ext.get("maxConcurrentRequests").asInt());
                assertEquals(2, ext.get("busy").asInt());
                assertEquals(1, ext.get("rejected").asLong());
                assertEquals(1, status.get("limits").get("busyRejected").asLong());

                // The stuck requests end: the extension takes requests again.
                for (RawHttp c : stuck) {
                    c.send("0123456789");
                    assertEquals("read=10 then end", c.read().text());
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> reader.bulkhead().busy() == 0);
                try (RawHttp again = new RawHttp(s.port())) {
                    again.send("POST /ext/reader HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
                    assertEquals("read=3 then end", again.read().text());
                }
            } finally {
                for (RawHttp c : stuck) {
                    c.close();
                }
            }
        }
    }

    /**
     * A non-blocking extension's procedure on the network thread takes no place: with its one place held by a
     * procedure on a worker (reading a body that is still arriving), a bodiless request still runs at once, while
     * another request that needs a worker gets the 503; the held one then ends normally.
     */
    @Test
    void aNonBlockingProcedureOnTheNetworkThreadTakesNoPlaceWhileWorkerCallsStillDo() throws Exception {
        try (TestServer s = TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("nbcap.jar"), NonBlockingCappedExtension.class))
                .config(b -> b.limits(l -> l.withRates(0, 0, Duration.ofSeconds(1)))).start()) {
            Deployment d = s.server().registry().acquire("nbcap");
            d.release();
            assertEquals(1, d.bulkhead().cap());
            try (RawHttp held = new RawHttp(s.port())) {
                held.socket().setSoTimeout(10_000);
                // 10 bytes declared, 6 sent: the read-ahead takes 4, the procedure on a worker waits for the rest.
                held.send("POST /ext/nbcap HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcdef");
                await().atMost(Duration.ofSeconds(10)).until(() -> d.bulkhead().busy() == 1);

                for (int i = 0; i < 3; i++) {
                    s.given().get("/ext/nbcap").then().statusCode(200).body(equalTo("read=0"));
                    // A body in hand (within the read-ahead) runs on the network thread as well.
                    s.given().body("xyz").post("/ext/nbcap").then().statusCode(200)
                            .body(equalTo("read=3"));
                }
                assertEquals(1, d.bulkhead().busy(), "the inline calls took no place");
                try (RawHttp second = new RawHttp(s.port())) {
                    second.socket().setSoTimeout(5_000);
                    second.send("POST /ext/nbcap HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
                    RawHttp.Reply r = second.read();
                    assertEquals(503, r.status(), "a procedure that needs a worker finds the place taken");
                }
                assertEquals(1, d.bulkhead().rejected());

                held.send("ghij");
                RawHttp.Reply r = held.read();
                assertEquals(200, r.status());
                assertEquals("read=10", r.text());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> d.bulkhead().busy() == 0);
            s.given().body("0123456789").post("/ext/nbcap").then().statusCode(200)
                    .body(equalTo("read=10"));
        }
    }

    @Test
    void theServerFlagCapsExtensionsThatSetNoCap() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("echo", "hello")
                .config(b -> b.limits(l -> l.withMaxConcurrentRequests(1).withRates(0, 0, Duration.ofSeconds(1))))
                .start()) {
            Deployment echo = s.server().registry().acquire("echo");
            echo.release();
            assertEquals(1, echo.bulkhead().cap());
            // Past the 48 KB read-ahead, so echo runs and blocks in readClient for the rest.
            byte[] part = new byte[60_000];
            try (RawHttp first = new RawHttp(s.port())) {
                first.send("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
                first.send(part);
                await().atMost(Duration.ofSeconds(10)).until(() -> echo.bulkhead().busy() == 1);
                try (RawHttp second = new RawHttp(s.port())) {
                    second.socket().setSoTimeout(5_000);
                    second.send("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
                    RawHttp.Reply r = second.read();
                    assertEquals(503, r.status());
                    assertEquals("1", r.header("retry-after"));
                }
                s.given().get("/ext/hello").then().statusCode(200);
            }
        }
    }

    @Test
    void defaultCapIsHalfThePool() {
        assertEquals(100, dev.hse4j.server.config.LimitsConfig.defaults().effectiveMaxConcurrentRequests());
        assertEquals(40, dev.hse4j.server.config.LimitsConfig.defaults().withMaxThreads(80)
                .effectiveMaxConcurrentRequests());
    }
}
