package dev.hse4j.server.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.IsapiError;
import dev.hse4j.server.testing.TestServer;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The error-code page ({@code /docs/errors.html}, served from the webroot) lists every {@link IsapiError}
 * constant: one row each, with its number, its {@link IsapiError#name(int)}, when it happens and what the
 * extension should do. A constant added without a row (or a row left for a constant that is gone) fails
 * here.
 */
class ErrorCodePageTest {

    @TempDir
    static Path tmp;
    static TestServer server;
    static Document page;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.builder(tmp).start();
        String html = server.given().get("/docs/errors.html").then().statusCode(200)
                .contentType("text/html").extract().asString();
        page = Jsoup.parse(html);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** @return every public static final int of IsapiError, by field name */
    static Map<String, Integer> constants() throws IllegalAccessException {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Field f : IsapiError.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == int.class) {
                out.put(f.getName(), f.getInt(null));
            }
        }
        return out;
    }

    @Test
    void everyConstantHasACompleteRow() throws Exception {
        Map<String, Integer> constants = constants();
        assertTrue(constants.size() >= 15, "reflection found too few constants: " + constants.keySet());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Integer> c : constants.entrySet()) {
            String field = c.getKey();
            int code = c.getValue();
            Elements rows = page.select("table#errors tbody tr[data-constant=" + field + "]");
            if (rows.size() != 1) {
                problems.add(field + " (" + code + "): " + rows.size() + " rows on /docs/errors.html, expected 1");
                continue;
            }
            Element row = rows.first();
            Elements cells = row.select("> td");
            if (cells.size() != 4) {
                problems.add(field + ": " + cells.size() + " cells, expected number, name, when, what to do");
                continue;
            }
            if (!row.id().equals(field)) {
                problems.add(field + ": the row's id (its #anchor) is '" + row.id() + "'");
            }
            if (!cells.get(0).text().trim().equals(Integer.toString(code))) {
                problems.add(field + ": number cell '" + cells.get(0).text() + "', the constant is " + code);
            }
            if (!cells.get(1).text().trim().equals(IsapiError.name(code))) {
                problems.add(field + ": name cell '" + cells.get(1).text() + "', IsapiError.name gives "
                        + IsapiError.name(code));
            }
            if (cells.get(2).text().trim().length() < 20) {
                problems.add(field + ": 'when it happens' is missing or too short");
            }
            if (cells.get(3).text().trim().length() < 20) {
                problems.add(field + ": 'what the extension should do' is missing or too short");
            }
        }
        assertTrue(problems.isEmpty(), "the error-code page is out of date with IsapiError:\n  "
                + String.join("\n  ", problems));
    }

    @Test
    void noRowForAConstantThatDoesNotExist() throws Exception {
        Map<String, Integer> constants = constants();
        Elements rows = page.select("table#errors tbody tr");
        assertEquals(constants.size(), rows.size(), "rows vs constants");
        for (Element row : rows) {
            assertTrue(constants.containsKey(row.attr("data-constant")),
                    "row '" + row.attr("data-constant") + "' names no IsapiError constant");
        }
    }

    @Test
    void everyCodeHasItsOwnName() throws Exception {
        // IsapiError.name falls back to ERROR_<code>: a constant without a name of its own is a gap too.
        for (Map.Entry<String, Integer> c : constants().entrySet()) {
            String name = IsapiError.name(c.getValue());
            assertFalse(name.equals("ERROR_" + c.getValue()), c.getKey() + " has no name in IsapiError.name");
            assertTrue(name.endsWith(c.getKey()), c.getKey() + " is named " + name);
        }
    }

    @Test
    void pageIsStyledAndLinkedFromTheIndex() {
        assertNotNull(page.selectFirst("link[rel=stylesheet][href=/style.css]"), "uses the site's style sheet");
        server.given().get("/style.css").then().statusCode(200);
        Document index = Jsoup.parse(server.given().get("/").then().statusCode(200).extract().asString());
        assertNotNull(index.selectFirst("a[href=/docs/errors.html]"), "the index links the error-code page");
    }
}
