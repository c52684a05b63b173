package dev.hse4j.server.ssf;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.hse4j.server.testing.TestServer;

import java.io.File;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simple IIS 6 codes over a real socket: 50 / 87, NORMALIZE_URL, MAP_URL_TO_PATH_EX and the Unicode maps. */
class SsfCodesTest {

    @TempDir
    static Path tmp;
    static TestServer server;
    static String root;

    @BeforeAll
    static void start() throws Exception {
        server = SsfTesting.start(tmp, UnaryOperator.identity());
        root = tmp.resolve("webroot").toRealPath().toString();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private String get(String query) {
        return server.given().urlEncodingEnabled(false).get("/ext/ssf?" + query).then().statusCode(200)
                .extract().asString();
    }

    @Test
    void windowsOnlyCodesAre50AndUnknownOnes87() {
        for (int code : new int[] {1002, 1007, 1011, 1038, 1040, 1041, 1042, 1044, 1045, 1046, 1047, 1048, 1050}) {
            server.given().get("/ext/ssf?op=ssf&code=" + code).then().body(equalTo("err code=50"));
        }
        for (int code : new int[] {0, 5, 1000, 1004, 1009, 1013, 1019, 1020, 1021, 1029, 1031, 1034, 1051, 4711}) {
            server.given().get("/ext/ssf?op=ssf&code=" + code).then().body(equalTo("err code=87"));
        }
        // Codes that need a parameter say so (87) rather than do nothing.
        for (int code : new int[] {1012, 1023, 1024, 1025, 1026, 1028, 1033, 1043}) {
            server.given().get("/ext/ssf?op=ssf&code=" + code).then().body(equalTo("err code=87"));
        }
        // GET_EXEC_URL_STATUS before any child: 4317, with nothing to report.
        server.given().get("/ext/ssf?op=ssf&code=1027").then().body(equalTo("err code=4317"));
    }

    @Test
    void normalizeUrl() {
        String[][] cases = {
                {"/a/b/../c", "/a/c"},
                {"/a//b/./c/", "/a/b/c/"},
                {"/a/%2e%2e/b", "/b"},
                {"/a%20b/%C3%A9t%C3%A9", "/a b/été"},
                {"/a\\b\\..\\c", "/a/c"},
                {"/x/..", "/"},
                {"/", "/"},
                {"/p/q?x=%41&y=/..", "/p/q?x=%41&y=/.."},
        };
        for (String[] c : cases) {
            server.given().queryParam("op", "normalize").queryParam("url", c[0]).get("/ext/ssf")
                    .then().statusCode(200).body(equalTo("ok " + c[1]));
        }
        for (String bad : new String[] {"/..", "/a/../../b", "/%c0%ae%c0%ae/x", "/a%00b", "/a%0d%0ab", "/a%zz",
                "relative", "/%e9"}) {
            server.given().queryParam("op", "normalize").queryParam("url", bad).get("/ext/ssf")
                    .then().statusCode(200).body(equalTo("err code=87"));
        }
    }

    @Test
    void mapUrlToPathExGivesFlagsAndMatchingLengths() {
        String sep = File.separator;
        // A webroot file: READ (1), the webroot is the matching path, the root URL matches 0 characters.
        server.given().queryParam("op", "mapex").queryParam("url", "/dir/f%20g.txt").get("/ext/ssf").then()
                .body(equalTo("ok path=" + root + sep + "dir" + sep + "f g.txt" + " flags=1 matchingPath="
                        + root.length() + " matchingUrl=0 same=true"));
        // Under /ext/<name>: EXECUTE + SCRIPT (0x204), the mount /ext/ssf matches 8 characters.
        server.given().queryParam("op", "mapex").queryParam("url", "/ext/ssf/x/y").queryParam("code", "1024")
                .get("/ext/ssf").then().body(equalTo("ok path=" + root + sep + "ext" + sep + "ssf" + sep + "x" + sep
                        + "y flags=516 matchingPath=" + root.length() + " matchingUrl=8 same=true"));
        // Inside the webroot only, as mapUrlToPath.
        for (String code : new String[] {"1012", "1024"}) {
            server.given().queryParam("op", "mapex").queryParam("url", "/../etc/passwd").queryParam("code", code)
                    .get("/ext/ssf").then().body(equalTo("err code=5"));
        }
    }

    @Test
    void mapUnicodeUrlToPath() {
        String sep = File.separator;
        server.given().queryParam("op", "mapunicode").queryParam("url", "/été/ü.txt").get("/ext/ssf").then()
                .body(equalTo("ok " + root + sep + "été" + sep + "ü.txt"));
        server.given().queryParam("op", "mapunicode").queryParam("url", "/a/%2e%2e/%2e%2e/x").get("/ext/ssf").then()
                .body(equalTo("err code=5"));
        server.given().queryParam("op", "mapunicode").queryParam("url", "/index.html").get("/ext/ssf").then()
                .body(startsWith("ok " + root));
    }
}
