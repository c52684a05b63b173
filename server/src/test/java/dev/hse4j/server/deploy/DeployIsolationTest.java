package dev.hse4j.server.deploy;

import static dev.hse4j.server.deploy.DeployTesting.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One class loader per deployed jar: two extensions bundling different versions of the same library (and
 * even the same extension class name) each get their own; an extension sees the API and the JDK and
 * nothing of the server, Jetty or their libraries.
 */
class DeployIsolationTest {

    @TempDir
    static Path tmp;
    static TestServer ts;

    private static String greeter(String version) {
        return """
                package deploylib;

                public final class Greeter {
                    public static String greet() {
                        return "greeter %s";
                    }
                }
                """.formatted(version);
    }

    @BeforeAll
    static void start() throws Exception {
        Path alpha = DeployFixtures.probe(tmp.resolve("a/alpha.jar"), b -> b.label("alpha")
                .body("LABEL + \" uses \" + deploylib.Greeter.greet()")
                .extraSource("deploylib.Greeter", greeter("1.0")));
        Path beta = DeployFixtures.probe(tmp.resolve("b/beta.jar"), b -> b.label("beta")
                .body("LABEL + \" uses \" + deploylib.Greeter.greet()")
                .extraSource("deploylib.Greeter", greeter("2.0")));
        ts = TestServer.builder(tmp.resolve("server")).jar(alpha).jar(beta).start();
    }

    @AfterAll
    static void stop() throws Exception {
        ts.close();
    }

    @Test
    void twoExtensionsBundlingDifferentVersionsOfOneLibraryEachUseTheirOwn() {
        for (int i = 0; i < 3; i++) {
            assertEquals("alpha uses greeter 1.0", get(ts, "/ext/alpha"));
            assertEquals("beta uses greeter 2.0", get(ts, "/ext/beta"));
        }
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "dev.hse4j.api.HttpExtension, visible",
        "java.util.concurrent.CompletableFuture, visible",
        "java.sql.Connection, visible",
        "deploylib.Greeter, visible",
        "dev.hse4j.server.Hse4jServer, hidden",
        "dev.hse4j.server.deploy.Deployment, hidden",
        "org.eclipse.jetty.server.Server, hidden",
        "org.eclipse.jetty.util.Callback, hidden",
        "com.fasterxml.jackson.databind.ObjectMapper, hidden",
        "org.slf4j.Logger, hidden",
        "picocli.CommandLine, hidden",
        "org.junit.jupiter.api.Test, hidden",
    })
    void anExtensionSeesTheApiAndTheJdkOnly(String className, String expected) {
        assertEquals(expected, get(ts, "/ext/alpha?see=" + className));
    }
}
