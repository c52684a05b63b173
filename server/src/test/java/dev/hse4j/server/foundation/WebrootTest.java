package dev.hse4j.server.foundation;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.ServicesExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;
import dev.hse4j.server.web.Webroot;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The static webroot, and that no path, encoded or not, reaches a file outside it. */
class WebrootTest {

    @TempDir
    static Path tmp;
    static Path webroot;
    static TestServer server;
    static final String SECRET = "TOP-SECRET-OUTSIDE-THE-WEBROOT";

    @BeforeAll
    static void start() throws Exception {
        webroot = Files.createDirectories(tmp.resolve("site/webroot"));
        Files.writeString(webroot.resolve("index.html"), "<h1>hse4j test index</h1>");
        Files.createDirectories(webroot.resolve("sub"));
        Files.writeString(webroot.resolve("sub/page.txt"), "inside");
        Files.writeString(tmp.resolve("site/secret.txt"), SECRET);
        Files.writeString(tmp.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(webroot.resolve("escape"), tmp);
        server = TestServer.builder(tmp.resolve("srv")).samples("file")
                .jar(FixtureJars.jarOf(tmp.resolve("svc.jar"), ServicesExtension.class))
                .config(b -> b.webroot(webroot)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void indexAndFiles() {
        server.given().get("/").then().statusCode(200).body(containsString("hse4j test index"));
        server.given().get("/sub/page.txt").then().statusCode(200).body(containsString("inside"));
        server.given().get("/ext/file/sub/page.txt").then().statusCode(200).body(containsString("inside"));
        server.given().get("/nope.txt").then().statusCode(404);
        server.given().get("/ext/file/nope.txt").then().statusCode(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt",
        "/..%2f..%2fsecret.txt", "/sub/../../secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt",
        "/%c0%ae%c0%ae/secret.txt", "/%252e%252e/secret.txt", "//etc/passwd", "/etc/passwd", "/escape/secret.txt",
        "/escape/site/secret.txt", "/./../secret.txt", "/sub/..%2f..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
        "/.%2e/secret.txt", "/%00/../secret.txt",
    })
    void traversalNeverEscapes(String path) throws Exception {
        for (String prefix : new String[] {"", "/ext/file"}) {
            try (RawHttp c = new RawHttp(server.port())) {
                c.send("GET " + prefix + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                RawHttp.Reply r;
                try {
                    r = c.read();
                } catch (java.io.EOFException closed) {
                    continue; // the server refused to parse it at all: nothing escaped
                }
                assertFalse(r.text().contains(SECRET), prefix + path + " leaked the secret");
                assertTrue(r.status() >= 400 && r.status() < 500, prefix + path + " gave " + r.status());
            }
        }
    }

    @Test
    void overlongPathsAreRefused() throws Exception {
        String longPath = "/" + "a/".repeat(20_000) + "x";
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET " + longPath + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertTrue(r.status() >= 400 && r.status() < 500, "gave " + r.status());
        }
    }

    static String map(String url) {
 return server.given().urlEncodingEnabled(false).get("/ext/svc?op=map&url=" + URLEncoder.encode(url, StandardCharsets.UTF_8))
                .then().statusCode(200).extract().asString();
    }

    @Test
    void mapUrlToPathStaysInside() throws Exception {
        Path root = webroot.toRealPath();
        assertEquals("ok " + root.resolve("sub/page.txt"), map("/sub/page.txt"));
        assertEquals("ok " + root.resolve("sub/page.txt"), map("/sub/./x/../page.txt"));
        for (String bad : new String[] {"/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt",
                                        "/..%2fsecret.txt", "/%c0%ae%c0%ae/secret.txt", "/a\\..\\..\\secret.txt",
                                        "/escape/secret.txt", "/x%00y", "C:/windows"}) {
            String r = map(bad);
            assertTrue(r.startsWith("err code=5"), bad + " -> " + r);
        }
    }

    @Test
    void webrootMapperUnit() throws Exception {
        Webroot w = new Webroot(webroot);
        Path root = webroot.toRealPath();
        assertEquals(root, w.map("/"));
        assertEquals(root.resolve("a b"), w.map("/a%20b"));
        assertEquals(root.resolve("sub/page.txt"), w.map("/sub//page.txt?query=../../x"));
        for (String bad : new String[] {"/..", "/../", "..", "/sub/../..", "/%2e%2e", "/%zz", "/%2", "/x/%2e%2e/%2e%2e",
                                        "/escape", "/escape/secret.txt", "/" + "a".repeat(5000)}) {
            assertThrows(Webroot.OutsideWebrootException.class, () -> w.map(bad), bad);
        }
    }
}
