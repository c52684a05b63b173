package dev.hse4j.server.ssf;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HSE_REQ_SEND_CUSTOM_ERROR, sync and async, and the webroot's errors/ pages for the server's own errors. */
class CustomErrorTest {

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

    private String accessLogLineFor(String marker) throws Exception {
        String[] line = new String[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (String l : Files.readAllLines(server.accessLog())) {
                if (l.contains(marker)) {
                    line[0] = l;
                    return true;
                }
            }
            return false;
        });
        return line[0];
    }

    @Test
    void syncCustomErrorSendsTheWebrootPageAndEndsTheResponse() throws Exception {
        server.given().queryParam("op", "customError").queryParam("status", "404 Not Found").queryParam("mark", "s1")
                .get("/ext/ssf").then().statusCode(404).contentType(containsString("text/html"))
                .body(equalTo(SsfTesting.CUSTOM_404));
        // The response is complete: a further write is refused with 4317.
        assertTrue(accessLogLineFor("mark=s1").contains("write after custom error code=4317"));
    }

    @Test
    void subStatusPageWinsAndMissingPagesFallBackToTheBuiltInOne() {
        server.given().queryParam("op", "customError").queryParam("status", "404 Not Found").queryParam("sub", "2")
                .get("/ext/ssf").then().statusCode(404).body(equalTo(SsfTesting.CUSTOM_404_2));
        server.given().queryParam("op", "customError").queryParam("status", "404 Not Found").queryParam("sub", "7")
                .get("/ext/ssf").then().statusCode(404).body(equalTo(SsfTesting.CUSTOM_404));
        server.given().queryParam("op", "customError").queryParam("status", "503 Busy").queryParam("sub", "1")
                .get("/ext/ssf").then().statusCode(503).body(containsString("<h1>503.1 Service Unavailable</h1>"));
    }

    @Test
    void asyncCustomErrorCompletesThroughTheCallbackAndKeepsTheConnection() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            for (int i = 0; i < 2; i++) {
                RawHttp.Reply r = raw.get("/ext/ssf?op=customError&async=1&status=500+Oops&mark=a" + i);
                assertEquals(500, r.status());
                assertEquals(SsfTesting.CUSTOM_500, r.text());
            }
        }
        String line = accessLogLineFor("mark=a1");
        assertTrue(line.contains("custom error completed ok=true bytes=" + SsfTesting.CUSTOM_500.length()), line);
    }

    @Test
    void badOrLateCustomErrorsAreRefused() throws Exception {
        server.given().queryParam("op", "customError").queryParam("status", "200 OK").get("/ext/ssf")
                .then().statusCode(500); // 87 thrown from the procedure: the server's 500, never the exception
        server.given().queryParam("op", "customErrorTwice").queryParam("mark", "late").get("/ext/ssf")
                .then().statusCode(200);
        assertTrue(accessLogLineFor("mark=late").contains("custom error after headers code=4317"));
    }

    @Test
    void theServersOwnErrorsUseTheCustomPages() {
        server.given().get("/no/such/file.txt").then().statusCode(404).body(equalTo(SsfTesting.CUSTOM_404));
        server.given().get("/ext/nosuchextension").then().statusCode(404).body(equalTo(SsfTesting.CUSTOM_404));
        // No page for 405: Jetty's own, without exception text.
        server.given().post("/hse/status.json").then().statusCode(405).body(not(containsString("Exception")));
    }
}
