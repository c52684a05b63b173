package dev.hse4j.server.foundation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.hamcrest.Matchers.containsString;

import dev.hse4j.fixtures.ErrorExtension;
import dev.hse4j.fixtures.RefusingExtension;
import dev.hse4j.fixtures.ThrowingExtension;
import dev.hse4j.fixtures.VersionThrowsExtension;
import dev.hse4j.server.deploy.Deployer;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.LogCapture;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Misbehaving extensions and broken jars: clear errors, and everyone else keeps being served. */
class FailuresTest {

    @TempDir
    static Path tmp;
    static TestServer server;
    static LogCapture log;

    @BeforeAll
    static void start() throws Exception {
        Path jars = Files.createDirectories(tmp.resolve("jars"));
        log = new LogCapture();
        server = TestServer.builder(tmp.resolve("srv")).samples("hello")
                .jar(FixtureJars.jarOf(jars.resolve("throwing.jar"), ThrowingExtension.class))
                .jar(FixtureJars.jarOf(jars.resolve("error.jar"), ErrorExtension.class))
                .jar(FixtureJars.jarOf(jars.resolve("refusing.jar"), RefusingExtension.class))
                .jar(FixtureJars.jarOf(jars.resolve("versionthrows.jar"), VersionThrowsExtension.class))
                .jar(FixtureJars.corrupt(jars.resolve("corrupt.jar")))
                .jar(FixtureJars.jarWithManifestClass(jars.resolve("liar.jar"), "com.example.Missing"))
                .jar(emptyJar(jars.resolve("empty.jar")))
                .start();
        // A second jar claiming the name "hello", once hello serves (jars found at start-up load concurrently,
        // and the first to load would win): refused, the first keeps it.
        Path hello2 = FixtureJars.jarOf(jars.resolve("hello2.jar"), dev.hse4j.fixtures.NamedHelloExtension.class);
        Files.move(Files.copy(hello2, server.extensionsDir().resolve(".hello2.jar")),
                server.extensionsDir().resolve("hello2.jar"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> server.server().deployer().outcome("hello2.jar") != null);
    }

    static Path emptyJar(Path p) throws IOException {
        return FixtureJars.jarWithManifestClass(p, "");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        log.close();
    }

    @Test
    void aThrowingExtensionGives500AndTheNextRequestWorks() {
        for (int i = 0; i < 3; i++) {
            server.given().get("/ext/throwing").then().statusCode(500);
            server.given().get("/ext/hello").then().statusCode(200).body(containsString("Hello"));
        }
        assertTrue(log.text().contains("extension throwing (throwing.jar) threw from httpExtensionProc"), log.text());
        assertTrue(log.text().contains("deliberate failure from a fixture"));
    }

    @Test
    void anErrorReturnGives500WithoutTheHeadersItSet() {
        io.restassured.response.Response r = server.given().get("/ext/error");
        assertEquals(500, r.statusCode());
        assertNull(r.header("X-Should-Not-Appear"));
        server.given().get("/ext/hello").then().statusCode(200);
    }

    @Test
    void aFailureAfterTheResponseStartedClosesTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /ext/throwing?after=1000 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Reply head = c.readHead();
            assertEquals(200, head.status());
            assertEquals(1000, c.readBytes(1000).length);
            // The rest of the promised 1 MB never comes: the server closes instead of lying.
            assertTrue(c.closedByServer());
        }
        server.given().get("/ext/hello").then().statusCode(200);
    }

    @Test
    void badJarsAreReportedByNameAndWhyWhileTheGoodOnesServe() {
        Map<String, Deployer.Outcome> o = server.server().deployer().outcomes();
        assertTrue(o.get("hello.jar").ok());
        assertFalse(o.get("corrupt.jar").ok());
        assertTrue(o.get("corrupt.jar").message().startsWith("not a valid jar"), o.get("corrupt.jar").message());
        assertTrue(o.get("refusing.jar").message().contains("refused: no licence key configured"));
        assertTrue(o.get("versionthrows.jar").message().contains("cannot reach the database"));
        assertTrue(o.get("liar.jar").message().contains("com.example.Missing"));
        assertTrue(o.get("empty.jar").message().contains("no extension in the jar"));
        assertTrue(o.get("hello2.jar").message().contains("already served by hello.jar"),
                o.get("hello2.jar").message());
        String text = log.text();
        for (String jar : new String[] {"corrupt.jar", "refusing.jar", "versionthrows.jar", "liar.jar", "empty.jar",
                                        "hello2.jar"}) {
            assertTrue(text.contains("cannot deploy " + jar + ": "), jar + " not named in the log");
        }
        for (String name : new String[] {"corrupt", "refusing", "versionthrows", "liar", "empty"}) {
            server.given().get("/ext/" + name).then().statusCode(404);
        }
        server.given().get("/ext/hello").then().statusCode(200).body(containsString("Hello"));
        server.given().get("/hse/status.json").then().statusCode(200)
                .body(containsString("corrupt.jar"))
                .body(containsString("no licence key configured"));
    }

    @Test
    void extensionsCannotSeeServerOrJettyClasses() throws Exception {
        dev.hse4j.server.deploy.Deployment d = server.server().registry().acquire("hello");
        ClassLoader ext = d.classLoader();
        try {
            assertTrue(Class.forName("dev.hse4j.api.HttpExtension", false, ext) != null);
            assertTrue(Class.forName("java.util.List", false, ext) != null);
            for (String hidden : new String[] {"org.eclipse.jetty.server.Server", "dev.hse4j.server.Hse4jServer",
                                               "com.fasterxml.jackson.databind.ObjectMapper", "picocli.CommandLine"}) {
                try {
                    Class.forName(hidden, false, ext);
                    throw new AssertionError(hidden + " is visible to extensions");
                } catch (ClassNotFoundException expected) {
                    // isolated
                }
            }
        } finally {
            d.release();
        }
    }
}
