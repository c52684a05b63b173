package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.testkit.Hse4jClient;
import dev.hse4j.testkit.Hse4jTest;
import dev.hse4j.testkit.Hse4jTestHost;
import dev.hse4j.testkit.SessionRecord;
import dev.hse4j.testkit.TestResponse;

import org.junit.jupiter.api.Test;

/** The extension in the real hse4j host, in memory, straight from the class path (no jar to build). */
@Hse4jTest(${extensionClass}.class)
class ${extensionClass}Test {

    @Test
    void greets(Hse4jClient client, Hse4jTestHost host) {
        TestResponse r = client.get("/ext/${artifactId}");
        assertEquals(200, r.status());
        assertEquals("text/plain", r.header("Content-Type"));
        assertTrue(r.text().startsWith("Hello, "), r.text());

        SessionRecord s = host.awaitSession("/ext/${artifactId}");   // the server's side of the request
        assertEquals("OK", s.outcome());
        assertEquals("greeted", s.logData());
    }
}
