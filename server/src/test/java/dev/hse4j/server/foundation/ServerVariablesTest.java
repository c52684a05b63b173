package dev.hse4j.server.foundation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.ServicesExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GetServerVariable over a real socket, through the vars sample and a buffer-form probe. */
class ServerVariablesTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp).samples("vars")
                .jar(FixtureJars.jarOf(tmp.resolve("svc.jar"), ServicesExtension.class)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** One raw request with chosen headers; returns the variable's value (or "404:<body>"). */
    static String var(String name, String path, String extraHeaders) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            String target = path + (path.contains("?") ? "&" : "?") + "name=" + name;
            c.send("GET " + target + " HTTP/1.1\r\nHost: example.test:" + server.port() + "\r\n"
                    + "X-Custom_Mixed: alpha\r\nX-Dash-Name: beta\r\nUser-Agent: hse4j-test\r\n" + extraHeaders + "\r\n");
            RawHttp.Reply r = c.read();
            return r.status() == 200 ? r.text() : r.status() + ":" + r.text();
        }
    }

    static String var(String name) throws Exception {
        return var(name, "/ext/vars/some/path.txt?a=1&b=%20two", "");
    }

    @Test
    void cgiVariables() throws Exception {
        assertEquals("GET", var("REQUEST_METHOD"));
        assertEquals("a=1&b=%20two&name=QUERY_STRING", var("QUERY_STRING"));
        assertEquals("/some/path.txt", var("PATH_INFO"));
        assertTrue(var("PATH_TRANSLATED").endsWith("/webroot/some/path.txt"), var("PATH_TRANSLATED"));
        assertEquals("/ext/vars", var("SCRIPT_NAME"));
        assertEquals("CGI/1.1", var("GATEWAY_INTERFACE"));
        assertEquals("127.0.0.1", var("REMOTE_ADDR"));
        assertEquals("127.0.0.1", var("REMOTE_HOST"));
        assertEquals("example.test", var("SERVER_NAME"));
        assertEquals(String.valueOf(server.port()), var("SERVER_PORT"));
        assertEquals("HTTP/1.1", var("SERVER_PROTOCOL"));
        assertTrue(var("SERVER_SOFTWARE").startsWith("hse4j/"));
        assertEquals("0", var("CONTENT_LENGTH"));
    }

    @Test
    void iisVariables() throws Exception {
        assertEquals("/ext/vars/some/path.txt", var("URL"));
        assertEquals("127.0.0.1", var("LOCAL_ADDR"));
        assertTrue(Integer.parseInt(var("REMOTE_PORT")) > 0);
        assertEquals("0", var("SERVER_PORT_SECURE"));
        assertEquals("off", var("HTTPS"));
        assertEquals("HTTP/1.1", var("HTTP_VERSION"));
        assertEquals("/ext/vars/some/path.txt?a=1&b=%20two&name=HTTP_URL", var("HTTP_URL"));
        assertEquals("1", var("INSTANCE_ID"));
        assertEquals("/LM/W3SVC/1/ROOT", var("APPL_MD_PATH"));
        assertTrue(var("APPL_PHYSICAL_PATH").endsWith("webroot"));
    }

    @Test
    void headerFamilies() throws Exception {
        assertEquals("hse4j-test", var("HTTP_USER_AGENT"));
        assertEquals("beta", var("HTTP_X_DASH_NAME"));
        // HEADER_ takes the exact name: the one HTTP_ cannot express (an underscore in the name).
        assertEquals("alpha", var("HEADER_X-Custom_Mixed"));
        assertEquals("beta", var("HEADER_X-Dash-Name"));
        String allHttp = var("ALL_HTTP");
        assertTrue(allHttp.contains("HTTP_USER_AGENT:hse4j-test\r\n"), allHttp);
        assertTrue(allHttp.contains("HTTP_X_DASH_NAME:beta\r\n"), allHttp);
        String allRaw = var("ALL_RAW");
        assertTrue(allRaw.contains("User-Agent: hse4j-test\r\n"), allRaw);
        assertTrue(allRaw.contains("X-Custom_Mixed: alpha\r\n"), allRaw);
    }

    @Test
    void unicodeForms() throws Exception {
        assertEquals("/ext/vars/some/path.txt", var("UNICODE_URL"));
        assertEquals("GET", var("UNICODE_REQUEST_METHOD"));
        // UNICODE_ does not apply to headers.
        assertTrue(var("UNICODE_HTTP_USER_AGENT").startsWith("404:1413"));
    }

    @Test
    void unknownIs1413AndAbsentIs232() throws Exception {
        assertTrue(var("NO_SUCH_VARIABLE").startsWith("404:1413 "), var("NO_SUCH_VARIABLE"));
        assertTrue(var("HTTP_X_NOT_SENT").startsWith("404:232 "));
        assertTrue(var("HEADER_X-Not-Sent").startsWith("404:232 "));
        assertTrue(var("CONTENT_TYPE").startsWith("404:232 "));
        assertTrue(var("AUTH_TYPE").startsWith("404:232 "));
        assertTrue(var("REMOTE_USER").startsWith("404:232 "));
        assertTrue(var("HTTPS_KEYSIZE").startsWith("404:232 "), "no TLS on a plain connection");
        assertTrue(var("CERT_SUBJECT").startsWith("404:232 "));
    }

    @Test
    void contentVariablesOfAPost() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /ext/vars?name=CONTENT_LENGTH HTTP/1.1\r\nHost: x\r\nContent-Type: text/x-y\r\n"
                    + "Content-Length: 5\r\n\r\nhello");
            assertEquals("5", c.read().text());
            c.send("POST /ext/vars?name=CONTENT_TYPE HTTP/1.1\r\nHost: x\r\nContent-Type: text/x-y\r\n"
                    + "Content-Length: 5\r\n\r\nhello");
            assertEquals("text/x-y", c.read().text());
        }
    }

    @Test
    void everyListedVariableAppearsInTheListing() {
        String all = server.given().get("/ext/vars").then().statusCode(200).extract().asString();
        for (String n : new String[] {"REQUEST_METHOD=GET", "URL=/ext/vars", "HTTPS=off", "SERVER_PORT_SECURE=0",
                                      "AUTH_TYPE=(232)", "ALL_RAW=", "ALL_HTTP=HTTP_"}) {
            assertTrue(all.contains(n), n + " missing in\n" + all);
        }
    }

    static String probe(String name, int size) {
        return server.given().get("/ext/svc?op=var&name=" + name + "&size=" + size).then().statusCode(200)
                .extract().asString();
    }

    @Test
    void twoCallSizingAnsi() {
        // REQUEST_METHOD = "GET": 3 bytes + NUL = 4.
        assertEquals("err code=122 required=4", probe("REQUEST_METHOD", -1));
        assertEquals("err code=122 required=4", probe("REQUEST_METHOD", 0));
        assertEquals("err code=122 required=4", probe("REQUEST_METHOD", 3));
        assertEquals("ok n=4 hex=47455400", probe("REQUEST_METHOD", 4));
        assertEquals("ok n=4 hex=47455400", probe("REQUEST_METHOD", 1024));
    }

    @Test
    void twoCallSizingUnicodeCountsBytes() {
        // "GET" in UTF-16LE: 6 bytes + a 2-byte NUL.
        assertEquals("err code=122 required=8", probe("UNICODE_REQUEST_METHOD", 7));
        assertEquals("ok n=8 hex=" + HexFormat.of().formatHex("GET\0".getBytes(StandardCharsets.UTF_16LE)),
                probe("UNICODE_REQUEST_METHOD", 8));
    }

    @Test
    void bufferFormReportsTheSameErrors() {
        assertEquals("err code=1413", probe("NOT_A_VARIABLE", 100));
        assertEquals("err code=232", probe("HTTP_X_ABSENT", 100));
    }
}
