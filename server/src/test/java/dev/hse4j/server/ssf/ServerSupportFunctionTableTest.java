package dev.hse4j.server.ssf;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.HseReq;
import dev.hse4j.server.testing.TestServer;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's ServerSupportFunction table covers every {@link HseReq} constant, names the ECB methods that
 * exist, and says 50 / 87 exactly where the server answers them.
 */
class ServerSupportFunctionTableTest {

    private static final Pattern ROW = Pattern.compile("^\\| (\\d+) \\| ([A-Z_]+) \\| (.+) \\|$");

    record Row(int code, String name, String support) {
    }

    static Map<Integer, Row> readmeTable() throws Exception {
        Path readme = Path.of(System.getProperty("hse4j.readme", "../README.md"));
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int start = text.indexOf("## ServerSupportFunction: every code");
        assertTrue(start >= 0, "README has no ServerSupportFunction section");
        Map<Integer, Row> rows = new TreeMap<>();
        for (String line : text.substring(start).split("\n")) {
            Matcher m = ROW.matcher(line.trim());
            if (m.matches()) {
                Row r = new Row(Integer.parseInt(m.group(1)), m.group(2), m.group(3));
                assertTrue(rows.put(r.code(), r) == null, "code listed twice: " + r.code());
            }
        }
        return rows;
    }

    static Map<String, Integer> constants() throws IllegalAccessException {
        Map<String, Integer> c = new LinkedHashMap<>();
        for (Field f : HseReq.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                c.put(f.getName(), f.getInt(null));
            }
        }
        return c;
    }

    @Test
    void everyConstantHasARowAndEveryRowAConstant() throws Exception {
        Map<Integer, Row> rows = readmeTable();
        Map<String, Integer> constants = constants();
        assertEquals(42, constants.size(), "HseReq changed: update the README table and this count");
        for (Map.Entry<String, Integer> e : constants.entrySet()) {
            Row r = rows.get(e.getValue());
            assertNotNull(r, "README table misses " + e.getKey() + " (" + e.getValue() + ")");
            assertEquals(e.getKey(), r.name(), "README names code " + e.getValue() + " differently");
        }
        assertEquals(constants.size(), rows.size(), "README lists codes HseReq does not have: "
                + rows.keySet().stream().filter(k -> !constants.containsValue(k)).collect(Collectors.toList()));
        Set<String> methods = Arrays.stream(ExtensionControlBlock.class.getMethods()).map(Method::getName)
                .collect(Collectors.toSet());
        for (Row r : rows.values()) {
            String s = r.support();
            if (s.startsWith("typed:") || s.startsWith("emulated:")) {
                Matcher m = Pattern.compile("`([a-zA-Z]+)`").matcher(s);
                while (m.find()) {
                    assertTrue(methods.contains(m.group(1)), r.code() + " names " + m.group(1) + ", not an ECB method");
                }
            } else if (!s.startsWith("50:") && !s.startsWith("87:")) {
                fail("row " + r.code() + " says neither typed, emulated, 50 nor 87: " + s);
            }
        }
    }

    @Test
    void theServerAnswers50And87WhereTheTableSaysSo(@TempDir Path tmp) throws Exception {
        Map<Integer, Row> rows = readmeTable();
        try (TestServer server = SsfTesting.start(tmp, UnaryOperator.identity())) {
            for (Row r : rows.values()) {
                String expected = r.support().startsWith("50:") ? "err code=50"
                        : r.support().startsWith("87:") ? "err code=87" : null;
                if (expected != null) {
                    server.given().get("/ext/ssf?op=ssf&code=" + r.code()).then().body(equalTo(expected));
                } else if (r.code() != HseReq.CLOSE_CONNECTION && r.code() != HseReq.ABORTIVE_CLOSE) {
                    // A supported code never answers 50 ("needs Windows"). (The two that end the
                    // connection have tests of their own.)
                    String got = server.given().get("/ext/ssf?op=ssf&code=" + r.code()).then().extract().asString();
                    assertFalse(got.equals("err code=50"), r.code() + " is in the table as supported but answers 50");
                }
            }
        }
    }
}
