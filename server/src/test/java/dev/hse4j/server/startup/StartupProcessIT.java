package dev.hse4j.server.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.CallRecorderExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.ServerProcess;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 items 6 and 7 on real processes of the packaged jar: a second server started in the same directory
 * fails on the port without touching the first one's shadow copies or calling any extension; the default
 * extensions and webroot directories are found in the installation directory when the working directory has
 * none; the start-up line says what address is really bound.
 */
class StartupProcessIT {

    @TempDir
    Path tmp;

    static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static List<Path> shadowJars(Path site) throws Exception {
        try (Stream<Path> s = Files.walk(site.resolve("work/shadow"))) {
            return s.filter(p -> p.toString().endsWith(".jar")).toList();
        }
    }

    @Test
    void aSecondServerInTheSameDirectoryFailsOnThePortAndTouchesNothing() throws Exception {
        Path site = Files.createDirectories(tmp.resolve("site"));
        FixtureJars.jarOf(site.resolve("extensions/recorder.jar"), CallRecorderExtension.class);
        Path calls = site.resolve("calls.txt");
        List<String> jvm = List.of("-Dhse4j.test.calls=" + calls);
        try (ServerProcess first = ServerProcess.start(site, Map.of(), jvm, "--host", "127.0.0.1", "--port", "0",
                "--no-https", "--access-log", "none")) {
            URI base = first.awaitReady();
            assertEquals("recorder " + first.pid(), get(base.resolve("ext/recorder")).body());
            List<Path> before = shadowJars(site);
            assertEquals(1, before.size(), before.toString());
            assertEquals("version " + first.pid() + "\n", Files.readString(calls));

            try (ServerProcess second = ServerProcess.start(site, Map.of(), jvm, "--host", "127.0.0.1", "--port",
                    String.valueOf(base.getPort()), "--no-https", "--access-log", "none")) {
                int code = second.awaitExit(Duration.ofSeconds(60));
                assertNotEquals(0, code, second.output());
                assertTrue(second.output().contains("cannot start"), second.output());
                assertTrue(second.output().contains(String.valueOf(base.getPort())), second.output());
            }
            // The first server's shadow copy is untouched, and no extension was called by the second process.
            assertEquals(before, shadowJars(site));
            assertTrue(Files.isRegularFile(before.get(0)));
            assertEquals("version " + first.pid() + "\n", Files.readString(calls));
            assertEquals("recorder " + first.pid(), get(base.resolve("ext/recorder")).body());
        }
    }

    @Test
    void defaultsComeFromHse4jHomeWhenTheWorkingDirectoryHasNone() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("opt/hse4j"));
        Files.createDirectories(home.resolve("webroot"));
        Files.writeString(home.resolve("webroot/index.html"), "<p>installed webroot</p>");
        Files.createDirectories(home.resolve("extensions"));
        Files.copy(FixtureJars.sample("hello"), home.resolve("extensions/hello.jar"));
        Path cwd = Files.createDirectories(tmp.resolve("elsewhere"));
        try (ServerProcess s = ServerProcess.start(cwd, Map.of("HSE4J_HOME", home.toString()), List.of(),
                "--host", "127.0.0.1", "--port", "0", "--no-https")) {
            URI base = s.awaitReady();
            assertTrue(get(base).body().contains("installed webroot"));
            assertTrue(get(base.resolve("ext/hello")).body().contains("Hello"));
            assertTrue(s.output().contains("extensions from " + home.resolve("extensions")), s.output());
        }
        // The working directory's own directories win.
        Files.createDirectories(cwd.resolve("webroot"));
        Files.writeString(cwd.resolve("webroot/index.html"), "<p>local webroot</p>");
        try (ServerProcess s = ServerProcess.start(cwd, Map.of("HSE4J_HOME", home.toString()), List.of(),
                "--host", "127.0.0.1", "--port", "0", "--no-https")) {
            URI base = s.awaitReady();
            assertTrue(get(base).body().contains("local webroot"));
            assertTrue(get(base.resolve("ext/hello")).body().contains("Hello"), "extensions still from the home");
        }
    }

    @Test
    void withoutHse4jHomeTheCheckoutNextToTheJarIsTheInstallation() throws Exception {
        // server/target/hse4j-server.jar: its directory's grandparent is the checkout, which has the webroot.
        Path checkout = ServerProcess.JAR.getParent().getParent().getParent();
        Path cwd = Files.createDirectories(tmp.resolve("anywhere"));
        try (ServerProcess s = ServerProcess.start(cwd, Map.of(), List.of(), "--host", "127.0.0.1", "--port", "0",
                "--no-https")) {
            URI base = s.awaitReady();
            assertEquals(Files.readString(checkout.resolve("webroot/index.html")), get(base.resolve("index.html")).body());
            assertTrue(s.output().contains("webroot " + checkout.resolve("webroot")), s.output());
        }
    }

    @Test
    void helpSaysWhereTheDefaultsComeFrom() throws Exception {
        try (ServerProcess s = ServerProcess.start(tmp, Map.of(), List.of(), "--help")) {
            assertEquals(0, s.awaitExit(Duration.ofSeconds(30)));
            String help = s.output().replaceAll("\\s+", " ");
            assertTrue(help.contains("installation directory: $HSE4J_HOME"), help);
        }
    }

    @Test
    void boundToAllAddressesTheStartLineSaysSoAndGivesAUrlThatWorks() throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("wild"));
        try (ServerProcess s = ServerProcess.start(cwd, Map.of(), List.of(), "--host", "0.0.0.0", "--port", "0",
                "--no-https")) {
            Matcher m = s.awaitLine(Pattern.compile(
                    "hse4j listening on all addresses \\(0\\.0\\.0\\.0\\) port (\\d+), e\\.g\\. (http://localhost:\\d+/)"),
                    Duration.ofSeconds(60));
            s.awaitLine(ServerProcess.READY, Duration.ofSeconds(60));
            URI url = URI.create(m.group(2));
            assertEquals(Integer.parseInt(m.group(1)), url.getPort());
            assertEquals(200, get(url.resolve("hse/health")).statusCode());
            assertTrue(!s.output().contains("listening on http://127.0.0.1"), "no claim of a loopback-only bind");
        }
    }
}
