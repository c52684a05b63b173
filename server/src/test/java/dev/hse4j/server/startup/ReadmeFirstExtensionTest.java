package dev.hse4j.server.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.TestServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 7: the README's "first extension" works as written, from a directory that is not the
 * checkout: its Java source, compiled and packaged with its JDK-only commands (the API jar found through
 * {@code $HSE4J_HOME}), deployed, answers {@code /ext/greet}; its Maven way says which {@code mvn install} to
 * run and names the API's real coordinates.
 */
class ReadmeFirstExtensionTest {

    static final Path REPO = TestScriptTest.REPO;

    @TempDir
    Path tmp;

    static String section(String readme) {
        int start = readme.indexOf("## Write your first extension");
        int end = readme.indexOf("\n## ", start + 5);
        assertTrue(start >= 0 && end > start, "the README has its first-extension section");
        return readme.substring(start, end);
    }

    @Test
    void theJdkOnlyCommandsWorkFromAnyDirectory() throws Exception {
        String sec = section(Files.readString(REPO.resolve("README.md")));
        Matcher java = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(sec);
        assertTrue(java.find());
        int jdk = sec.indexOf("Or with nothing but the JDK");
        assertTrue(jdk > 0);
        List<String> commands = new ArrayList<>();
        boolean inBlock = false;
        for (String line : sec.substring(jdk).split("\n")) {
            if (line.startsWith("    ")) {
                commands.add(line.substring(4));
                inBlock = true;
            } else if (inBlock) {
                break;
            }
        }
        assertTrue(commands.size() >= 4 && commands.get(0).startsWith("export HSE4J_HOME="), commands.toString());

        // A stand-in checkout: the API jar where `mvn package` puts it, and an extensions directory.
        Path home = tmp.resolve("hse4j");
        Path apiJar = Path.of(System.getProperty("hse4j.api.jar"));
        Files.createDirectories(home.resolve("extension-api/target"));
        Files.copy(apiJar, home.resolve("extension-api/target").resolve(apiJar.getFileName()));
        Files.createDirectories(home.resolve("extensions"));
        Path work = Files.createDirectories(tmp.resolve("my-extension"));
        Files.writeString(work.resolve("GreetExtension.java"), java.group(1));

        String script = "set -euo pipefail\n" + String.join("\n", commands).replace("/path/to/hse4j", home.toString());
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/bash", "-c", script).directory(work.toFile())
                .redirectErrorStream(true);
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);

        Path greet = home.resolve("extensions/greet.jar");
        assertTrue(Files.isRegularFile(greet), "the commands put greet.jar in the extensions directory");
        try (TestServer s = TestServer.builder(tmp.resolve("server")).jar(greet).start()) {
            s.given().get("/ext/greet").then().statusCode(200).body(org.hamcrest.Matchers.equalTo("Hello, 127.0.0.1\n"));
        }
    }

    @Test
    void theMavenWayNamesTheInstallToRunAndTheRealCoordinates() throws Exception {
        String sec = section(Files.readString(REPO.resolve("README.md")));
        assertTrue(sec.contains("    cd \"$HSE4J_HOME\" && mvn -q -DskipTests -pl extension-api -am install\n"), sec);
        String pom = Files.readString(REPO.resolve("extension-api/pom.xml"));
        String parent = Files.readString(REPO.resolve("pom.xml"));
        Matcher artifact = Pattern.compile("<artifactId>([^<]+)</artifactId>\\s*<name>").matcher(pom);
        assertTrue(artifact.find());
        Matcher version = Pattern.compile("<artifactId>hse4j-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(parent);
        assertTrue(version.find());
        Matcher group = Pattern.compile("<groupId>([^<]+)</groupId>\\s*<artifactId>hse4j-parent</artifactId>")
                .matcher(parent);
        assertTrue(group.find());
        assertTrue(sec.contains("<groupId>" + group.group(1) + "</groupId>"), sec);
        assertTrue(sec.contains("<artifactId>" + artifact.group(1) + "</artifactId>"), sec);
        assertTrue(sec.contains("<version>" + version.group(1) + "</version>"), sec);
        assertTrue(sec.contains("hse4j-extension-api-" + version.group(1) + ".jar"), "the javac line's jar name");
    }
}
