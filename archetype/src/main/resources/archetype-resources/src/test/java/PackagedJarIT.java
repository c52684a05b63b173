package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.testkit.Hse4jTestHost;
import dev.hse4j.testkit.TestResponse;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * After {@code mvn package}: the jar itself, dropped into a real hse4j host's extensions directory and
 * loaded as the server loads it (its own class loader, only the API shared, the manifest naming the class).
 */
class PackagedJarIT {

    @Test
    void theJarDeploysAndServes() {
        Path jar = Path.of("target", "${artifactId}.jar");
        try (Hse4jTestHost host = Hse4jTestHost.builder().jar(jar).start()) {
            TestResponse r = host.client().get("/ext/${artifactId}");
            assertEquals(200, r.status());
            assertTrue(r.text().startsWith("Hello, "), r.text());
        }
    }
}
