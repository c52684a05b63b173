package dev.hse4j.servlet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAR as a user deploys it: target/hse4j.war into an embedded Tomcat running in a JVM of its own whose class
 * path is Tomcat alone, with the extensions directory given as a system property. /hse4j/ext/hello answers, and the
 * WAR holds what the document says (the host core and its run-time libraries, no network stack of hse4j's own).
 */
class HseWarIT {

    @TempDir
    Path tmp;

    static Path war() {
        Path war = Path.of(System.getProperty("hse4j.war", "target/hse4j.war"));
        assertTrue(Files.isRegularFile(war), "the WAR is built by `package` first: " + war);
        return war;
    }

    @Test
    void theWarHoldsTheHostCoreAndNoServerStackOfItsOwn() throws Exception {
        Set<String> libs = new TreeSet<>();
        try (ZipFile z = new ZipFile(war().toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                if (e.getName().startsWith("WEB-INF/lib/")) {
                    libs.add(e.getName().substring("WEB-INF/lib/".length()));
                }
            }
            assertTrue(z.getEntry("WEB-INF/web.xml") != null);
            assertTrue(z.getEntry("WEB-INF/classes/dev/hse4j/servlet/HseServlet.class") != null);
            assertTrue(z.getEntry("WEB-INF/classes/dev/hse4j/servlet/page/status.html") != null);
        }
        assertTrue(libs.stream().anyMatch(l -> l.startsWith("hse4j-server-")), libs.toString());
        assertTrue(libs.stream().anyMatch(l -> l.startsWith("hse4j-extension-api-")), libs.toString());
        assertTrue(libs.stream().anyMatch(l -> l.startsWith("slf4j-jdk14-")), libs.toString());
        for (String absent : List.of("jakarta.servlet-api", "netty", "conscrypt", "bcpkix", "micrometer", "picocli",
                "jetty-http2", "jetty-alpn", "jetty-slf4j-impl", "tomcat")) {
            assertFalse(libs.stream().anyMatch(l -> l.contains(absent)), absent + " must not be in " + libs);
        }
    }

    @Test
    void theWarServesHelloInTomcatFromItsFile() throws Exception {
        Path extensions = Files.createDirectories(tmp.resolve("extensions"));
        Files.copy(FixtureJars.sample("hello"), extensions.resolve("hello.jar"));
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith("tomcat-embed-core-") || name.startsWith("tomcat-annotations-api-")) {
                cp.add(entry);
            }
        }
        assertEquals(2, cp.size(), "tomcat-embed-core and its annotations API on the test class path: " + cp);
        cp.add(Path.of(WarLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        Path portFile = tmp.resolve("port");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Dhse4j.extensions=" + extensions,
                "-Dhse4j.workDir=" + tmp.resolve("work"), "-cp", String.join(File.pathSeparator, cp),
                WarLauncher.class.getName(), war().toString(), tmp.resolve("tomcat").toString(), portFile.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("tomcat.log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !p.isAlive());
            assertTrue(p.isAlive(), "Tomcat exited: " + Files.readString(tmp.resolve("tomcat.log")));
            int port = Integer.parseInt(Files.readString(portFile).trim());
            try (RawHttp c = new RawHttp(port)) {
                RawHttp.Reply r = c.get("/hse4j/ext/hello");
                assertEquals(200, r.status(), Files.readString(tmp.resolve("tomcat.log")));
                assertEquals("Hello from hse4j!\n", r.text());
                RawHttp.Reply status = c.get("/hse4j/hse/status.json");
                assertEquals(200, status.status());
                assertTrue(status.text().contains("\"url\" : \"/hse4j/ext/hello\""), status.text());
                assertTrue(status.text().contains("Apache Tomcat"), status.text());
            }
        } finally {
            p.getOutputStream().close(); // the launcher stops Tomcat when its input closes
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertTrue(Files.exists(tmp.resolve("tomcat").resolve("stopped")), "Tomcat stopped cleanly");
    }
}
