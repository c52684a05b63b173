package dev.hse4j.server.ssf;

import dev.hse4j.fixtures.SsfProbeExtension;
import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** A server with the probe extension mounted as {@code /ext/ssf} and a webroot of the test's own. */
final class SsfTesting {

    static final String CUSTOM_404 = "<html><body>custom 404 page</body></html>\n";
    static final String CUSTOM_404_2 = "<html><body>custom 404.2 page</body></html>\n";
    static final String CUSTOM_500 = "<html><body>custom 500 page</body></html>\n";
    static final String FILE_TEXT = "0123456789abcdefghij\n";

    private SsfTesting() {
    }

    /** A webroot with a file, a page and custom error pages. */
    static Path webroot(Path tmp) throws IOException {
        Path w = Files.createDirectories(tmp.resolve("webroot"));
        Files.createDirectories(w.resolve("errors"));
        Files.writeString(w.resolve("index.html"), "<html><body>index</body></html>\n", StandardCharsets.UTF_8);
        Files.writeString(w.resolve("file.txt"), FILE_TEXT, StandardCharsets.UTF_8);
        Files.writeString(w.resolve("ünï.txt"), "unicode file\n", StandardCharsets.UTF_8);
        Files.writeString(w.resolve("errors/404.html"), CUSTOM_404, StandardCharsets.UTF_8);
        Files.writeString(w.resolve("errors/404.2.html"), CUSTOM_404_2, StandardCharsets.UTF_8);
        Files.writeString(w.resolve("errors/500.html"), CUSTOM_500, StandardCharsets.UTF_8);
        return w;
    }

    static TestServer start(Path tmp, UnaryOperator<ServerConfig.Builder> tweak) throws Exception {
        Path webroot = webroot(tmp);
        return TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("ssf.jar"), SsfProbeExtension.class))
                .config(b -> tweak.apply(b.webroot(webroot)))
                .start();
    }
}
