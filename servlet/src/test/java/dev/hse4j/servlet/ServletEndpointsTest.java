package dev.hse4j.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.servlet.ThreeHosts.Host;
import dev.hse4j.servlet.ThreeHosts.Kind;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the servlet binding answers besides the extensions' own bytes, in Tomcat and in Jetty ee10: server variables
 * from the servlet request (50 for what only hse4j's connector knows), status.json, the status page and health under
 * the context path, and plain errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServletEndpointsTest {

    @TempDir
    static Path tmp;
    final Map<Kind, Host> hosts = new EnumMap<>(Kind.class);

    @BeforeAll
    void start() throws Exception {
        for (Kind k : new Kind[] {Kind.TOMCAT, Kind.JETTY_EE10}) {
            hosts.put(k, ThreeHosts.start(k, tmp.resolve(k.name()), List.of("vars", "hello"), List.of()));
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (Host h : hosts.values()) {
            h.close();
        }
    }

    static String var(Host h, RawHttp c, String name, String path) throws Exception {
        c.send("GET " + h.base() + "/ext/vars" + path + "?name=" + name + " HTTP/1.1\r\nHost: x\r\nX-Test-Header: hi\r\n\r\n");
        RawHttp.Reply r = c.read();
        return (r.status() == 200 ? "" : r.status() + ": ") + r.text();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"TOMCAT", "JETTY_EE10"})
    void serverVariablesComeFromTheServletRequest(Kind kind) throws Exception {
        Host h = hosts.get(kind);
        try (RawHttp c = new RawHttp(h.port())) {
            assertEquals("127.0.0.1", var(h, c, "REMOTE_ADDR", ""));
            assertEquals(String.valueOf(c.socket().getLocalPort()), var(h, c, "REMOTE_PORT", ""));
            assertEquals(String.valueOf(h.port()), var(h, c, "SERVER_PORT", ""));
            assertEquals("127.0.0.1", var(h, c, "LOCAL_ADDR", ""));
            assertEquals("GET", var(h, c, "REQUEST_METHOD", ""));
            assertEquals("HTTP/1.1", var(h, c, "SERVER_PROTOCOL", ""));
            assertEquals("off", var(h, c, "HTTPS", ""));
            assertEquals("hi", var(h, c, "HTTP_X_TEST_HEADER", ""));
            assertEquals("/a b", var(h, c, "PATH_INFO", "/a%20b"));
            assertEquals("/hse4j/ext/vars", var(h, c, "SCRIPT_NAME", "/a%20b"));
            assertEquals("/hse4j/ext/vars/a b", var(h, c, "URL", "/a%20b"));
            assertEquals("/hse4j/ext/vars/a%20b?name=HTTP_URL", var(h, c, "HTTP_URL", "/a%20b"));
            assertEquals("name=QUERY_STRING", var(h, c, "QUERY_STRING", ""));
            String software = var(h, c, "SERVER_SOFTWARE", "");
            assertTrue(software.startsWith("hse4j/") && software.contains(kind == Kind.TOMCAT ? "Tomcat" : "jetty"),
                    software);
            // Plain HTTP: no TLS facts (232), as on hse4j's own server.
            assertTrue(var(h, c, "CERT_SUBJECT", "").startsWith("404: 232 "));
            // Only hse4j's connector knows these: 50, said plainly.
            String context = var(h, c, "HSE_CONNECTION_CONTEXT", "");
            assertTrue(context.startsWith("404: 50 ") && context.contains("servlet container"), context);
            assertTrue(var(h, c, "PROXY_ADDR", "").startsWith("404: 50 "));
            assertTrue(var(h, c, "NO_SUCH_VARIABLE", "").startsWith("404: 1413 "));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"TOMCAT", "JETTY_EE10"})
    void statusJsonAndThePageAreServedUnderTheContextPath(Kind kind) throws Exception {
        Host h = hosts.get(kind);
        try (RawHttp c = new RawHttp(h.port())) {
            RawHttp.Reply r = c.get("/hse4j/hse/status.json");
            assertEquals(200, r.status());
            assertTrue(r.header("content-type").startsWith("application/json"));
            JsonNode doc = new ObjectMapper().readTree(r.body());
            assertEquals("servlet", doc.path("binding").path("kind").asText());
            assertEquals("/hse4j", doc.path("binding").path("contextPath").asText());
            boolean sawVars = false;
            for (JsonNode e : doc.path("extensions")) {
                if (e.path("name").asText().equals("vars")) {
                    sawVars = true;
                    assertEquals("/hse4j/ext/vars", e.path("url").asText());
                    assertEquals("ACTIVE", e.path("state").asText());
                }
            }
            assertTrue(sawVars, doc.toPrettyString());
            assertEquals(2, doc.path("deploys").size());

            RawHttp.Reply page = c.get("/hse4j/status.html");
            assertEquals(200, page.status());
            String html = page.text();
            assertTrue(html.contains("'/hse4j/hse/status.json'"), "the page fetches the document under the context");
            assertFalse(html.contains("'/hse/") || html.contains("\"/hse/") || html.contains("\"/style.css\""),
                    "no link leaves the context path");
            assertEquals(200, c.get("/hse4j/style.css").status());
            assertEquals(200, c.get("/hse4j/charts.js").status());
            assertEquals("ok\n", c.get("/hse4j/hse/health").text());
            RawHttp.Reply root = c.get("/hse4j/");
            assertEquals(302, root.status());
            assertTrue(root.header("location").endsWith("/hse4j/status.html"), root.header("location"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"TOMCAT", "JETTY_EE10"})
    void errorsArePlain(Kind kind) throws Exception {
        Host h = hosts.get(kind);
        try (RawHttp c = new RawHttp(h.port())) {
            c.send("POST /hse4j/hse/status.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            RawHttp.Reply r = c.read();
            assertEquals(405, r.status());
            RawHttp.Reply missing = c.get("/hse4j/ext/nothing-here");
            assertEquals(404, missing.status());
            assertTrue(missing.text().contains("no extension is mounted at /ext/nothing-here"), missing.text());
            RawHttp.Reply elsewhere = c.get("/hse4j/elsewhere");
            assertEquals(404, elsewhere.status());
            for (RawHttp.Reply x : List.of(r, missing, elsewhere)) {
                assertFalse(x.text().contains("Exception") || x.text().contains("\tat "), x.text());
            }
            assertEquals(200, c.get("/hse4j/ext/hello").status(), "the connection still serves");
        }
    }
}
