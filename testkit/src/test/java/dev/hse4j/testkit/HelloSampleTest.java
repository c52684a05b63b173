package dev.hse4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.samples.hello.HelloExtension;

import org.junit.jupiter.api.Test;

/**
 * The hello sample's test (server/.../foundation/HelloTest), rewritten with the test kit: no jar, no
 * directory, no port; the extension class straight from the class path, in memory.
 */
@Hse4jTest(HelloExtension.class)
class HelloSampleTest {

    @Test
    void helloAnswers(Hse4jClient client) {
        TestResponse r = client.get("/ext/hello");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type"));
        assertTrue(r.text().contains("Hello"), r.text());
    }

    @Test
    void hundredRequestsOnOneKeptAliveConnection(Hse4jClient client, Hse4jTestHost host) {
        long before = host.counters("hello").requests();
        for (int i = 0; i < 100; i++) {
            TestResponse r = client.get("/ext/hello");
            assertEquals(200, r.status(), "request " + i);
            assertTrue(!r.closesConnection(), "request " + i + " closed the connection");
        }
        assertEquals(before + 100, host.counters("hello").requests());
    }

    @Test
    void eachSessionEndsOkOnTheServer(Hse4jClient client, Hse4jTestHost host) {
        client.get("/ext/hello?session-check");
        SessionRecord s = host.awaitSession("/ext/hello?session-check");
        assertEquals("hello", s.extension());
        assertEquals("GET", s.method());
        assertEquals("OK", s.outcome());
        assertEquals(200, s.status());
        assertTrue(!s.pending());
    }

    @Test
    void unknownExtensionIs404(Hse4jClient client) {
        assertEquals(404, client.get("/ext/nope").status());
    }
}
