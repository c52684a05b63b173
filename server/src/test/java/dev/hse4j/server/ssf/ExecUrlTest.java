package dev.hse4j.server.ssf;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import io.restassured.specification.RequestSpecification;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HSE_REQ_EXEC_URL / EXEC_UNICODE_URL and GET_EXEC_URL_STATUS over real sockets: children on an extension,
 * a static file and {@code /hse/}, with their own method, headers and body, every flag, the one-outstanding
 * rule, and loops cut at the documented depth.
 */
class ExecUrlTest {

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

    private static RequestSpecification exec(String url, String flags) {
        return server.given().queryParam("op", "exec").queryParam("url", url).queryParam("flags", flags);
    }

    private static String after(int bytes, String status) {
        return "[after ok=true bytes=" + bytes + " status=" + status + " win32=0]";
    }

    @Test
    void childExtensionWithItsOwnMethodHeadersAndBody() {
        String expected = "child method=PUT query=op=echo&k=v x-test=hello body=payload total=7";
        exec("/ext/ssf?op=echo&k=v", "0").queryParam("method", "PUT").queryParam("headers", "X-Test: hello")
                .queryParam("body", "payload").get("/ext/ssf").then()
                .statusCode(200).header("X-Child", "yes").body(equalTo(expected));
        // Without headers given, the child has the parent's; without a method, the parent's.
        String child = "child method=GET query=op=echo x-test=from-parent body= total=0";
        exec("/ext/ssf?op=echo", "2").header("X-Test", "from-parent").get("/ext/ssf").then()
                .statusCode(200).header("X-Parent", "yes").header("X-Child", nullValue())
                .body(equalTo("[before]" + child + after(child.length(), "200.0")));
    }

    @Test
    void childStaticFileAndServerPage() {
        exec("/file.txt", "0").get("/ext/ssf").then().statusCode(200).contentType(containsString("text/plain"))
                .body(equalTo(SsfTesting.FILE_TEXT));
        exec("/file.txt", "2").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("[before]" + SsfTesting.FILE_TEXT + after(SsfTesting.FILE_TEXT.length(), "200.0")));
        exec("/hse/health", "2").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("[before]ok\n" + after(3, "200.0")));
        exec("/hse/status.json", "0").get("/ext/ssf").then().statusCode(200)
                .contentType(containsString("application/json")).body("server", equalTo("hse4j"));
    }

    @Test
    void execUnicodeUrl() {
        exec("/ünï.txt", "0").queryParam("unicode", "1").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("unicode file\n"));
    }

    @Test
    void rangeAndValidationHeadersAreDroppedOnlyWithTheFlag() {
        exec("/file.txt", "0").queryParam("headers", "Range: bytes=0-3").get("/ext/ssf").then()
                .statusCode(206).body(equalTo("0123"));
        exec("/file.txt", "10").queryParam("headers", "Range: bytes=0-3").get("/ext/ssf").then()
                .statusCode(200).body(equalTo(SsfTesting.FILE_TEXT));
        String etag = server.given().get("/file.txt").then().extract().header("ETag");
        exec("/file.txt", "0").queryParam("headers", "If-None-Match: " + etag).get("/ext/ssf").then()
                .statusCode(304);
        exec("/file.txt", "10").queryParam("headers", "If-None-Match: " + etag).get("/ext/ssf").then()
                .statusCode(200).body(equalTo(SsfTesting.FILE_TEXT));
    }

    @Test
    void customErrorsInChildrenAndDisableCustomError() {
        exec("/missing.txt", "0").get("/ext/ssf").then().statusCode(404).body(equalTo(SsfTesting.CUSTOM_404));
        exec("/missing.txt", "20").get("/ext/ssf").then().statusCode(404)
                .body(not(containsString("custom 404 page")));
        // A child extension's own custom error, sub-status included, reaches GET_EXEC_URL_STATUS.
        exec("/ext/ssf?op=echo&error=404+Not+Found&sub=2", "2").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("[before]" + SsfTesting.CUSTOM_404_2 + after(SsfTesting.CUSTOM_404_2.length(), "404.2")));
        exec("/ext/ssf?op=echo&error=404+Not+Found&sub=2", "22").get("/ext/ssf").then().statusCode(200)
                .body(containsString("<h1>404.2 Not Found</h1>"))
                .body(not(containsString("custom 404.2 page")));
    }

    @Test
    void ignoreCurrentInterceptorKeepsTheChildAwayFromTheCaller() {
        exec("/ext/ssf?op=echo", "6").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("[before]" + SsfTesting.CUSTOM_404 + after(SsfTesting.CUSTOM_404.length(), "404.0")));
    }

    @Test
    void theChildIsTheOneOutstandingOperation() {
        String gate = UUID.randomUUID().toString();
        server.given().queryParam("op", "exec").queryParam("gate", gate).queryParam("flags", "2")
                .queryParam("url", "/ext/ssf?op=echo&gate=" + gate).get("/ext/ssf").then().statusCode(200)
                .body(equalTo("[before]gated child[after ok=true bytes=11 status=200.0 win32=0 second=170]"));
    }

    @Test
    void aLoopIsCutAtTheDocumentedDepth() throws Exception {
        server.given().queryParam("op", "loop").queryParam("self", "ssf").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("loop cut at d=8 code=1001"));
    }

    @Test
    void badRequestsForChildrenAreRefusedAtOnce() {
        exec("/file.txt", "40").get("/ext/ssf").then().statusCode(200).body(equalTo("exec refused code=87"));
        exec("relative/url", "0").get("/ext/ssf").then().statusCode(200).body(equalTo("exec refused code=87"));
        exec("/../etc/passwd", "0").get("/ext/ssf").then().statusCode(200).body(equalTo("exec refused code=87"));
        exec("/file.txt", "0").queryParam("method", "G E T").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("exec refused code=87"));
        exec("/file.txt", "0").queryParam("headers", "no colon here").get("/ext/ssf").then().statusCode(200)
                .body(equalTo("exec refused code=87"));
    }

    @Test
    void childrenOnOneKeptAliveConnection() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Reply r = raw.get("/ext/ssf?op=exec&flags=0&mark=k" + i + "&url="
                        + URLEncoder.encode("/file.txt", StandardCharsets.UTF_8));
                assertEquals(200, r.status());
                assertEquals(SsfTesting.FILE_TEXT, r.text());
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(server.accessLog()).contains("mark=k4"));
        for (String l : Files.readAllLines(server.accessLog())) {
            if (l.contains("mark=k")) {
                assertTrue(l.contains(after(SsfTesting.FILE_TEXT.length(), "200.0")), l);
            }
        }
    }
}
