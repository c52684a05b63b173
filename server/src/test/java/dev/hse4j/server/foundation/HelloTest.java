package dev.hse4j.server.foundation;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HelloTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.withSamples(tmp, "hello", "vars");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void helloAnswersFromAJar() {
        server.given().get("/ext/hello").then()
                .statusCode(200)
                .contentType(containsString("text/plain"))
                .body(containsString("Hello"));
    }

    @Test
    void thousandRequestsOnOneKeptAliveConnection() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            String firstPort = null;
            for (int i = 0; i < 1000; i++) {
                RawHttp.Reply r = c.get(i % 100 == 0 ? "/ext/vars?name=REMOTE_PORT" : "/ext/hello");
                assertEquals(200, r.status(), "request " + i);
                if (i % 100 == 0) {
                    // The same client port every time: the very same TCP connection.
                    if (firstPort == null) {
                        firstPort = r.text();
                    }
                    assertEquals(firstPort, r.text(), "request " + i + " came on another connection");
                } else {
                    assertTrue(r.text().contains("Hello"), "request " + i);
                }
                assertTrue(r.header("connection") == null || !r.header("connection").contains("close"));
            }
            assertEquals(String.valueOf(c.socket().getLocalPort()), firstPort);
        }
    }

    @Test
    void unknownExtensionIs404() {
        server.given().get("/ext/nope").then().statusCode(404);
    }

    @Test
    void indexPageLinksTheSamples() {
        server.given().get("/").then().statusCode(200)
                .body(containsString("hse4j"))
                .body(containsString("/ext/hello"));
        server.given().get("/hse/health").then().statusCode(200).body(equalTo("ok\n"));
    }
}
