package dev.hse4j.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The init parameters: defaults as hse4j's own server, and a clear refusal naming the parameter. */
class ServletSettingsTest {

    static ServletSettings from(Map<String, String> params) {
        return ServletSettings.from(params::get, Path.of("/tmp/ctx"));
    }

    @Test
    void onlyTheExtensionsDirectoryIsRequired() {
        ServletSettings s = from(Map.of(ServletSettings.EXTENSIONS, "/srv/ext"));
        assertEquals(Path.of("/srv/ext"), s.extensionsDir());
        assertEquals(Path.of("/tmp/ctx"), s.workDir());
        assertTrue(s.watch());
        assertEquals(Duration.ofMinutes(5), s.sessionTimeout());
        assertEquals(49152, s.readAheadBytes());
        assertEquals(100, s.maxConcurrentRequests());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> from(Map.of()));
        assertTrue(e.getMessage().contains(ServletSettings.EXTENSIONS), e.getMessage());
    }

    @Test
    void aWrongValueIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> from(Map.of(
                ServletSettings.EXTENSIONS, "/srv/ext", ServletSettings.SESSION_TIMEOUT_MS, "soon")));
        assertTrue(e.getMessage().contains(ServletSettings.SESSION_TIMEOUT_MS) && e.getMessage().contains("soon"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> from(Map.of(
                ServletSettings.EXTENSIONS, "/srv/ext", ServletSettings.WATCH, "maybe")));
        assertTrue(e.getMessage().contains(ServletSettings.WATCH), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> from(Map.of(
                ServletSettings.EXTENSIONS, "/srv/ext", ServletSettings.SESSION_TIMEOUT_MS, "0")));
        assertTrue(e.getMessage().contains("positive"), e.getMessage());
    }

    @Test
    void valuesMayNameSystemProperties() {
        System.setProperty("hse4j.test.base", "/opt/base");
        try {
            assertEquals("/opt/base/hse4j/ext", ServletSettings.expand("${hse4j.test.base}/hse4j/ext"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServletSettings.expand("${hse4j.test.unset}/x"));
            assertTrue(e.getMessage().contains("hse4j.test.unset"), e.getMessage());
        } finally {
            System.clearProperty("hse4j.test.base");
        }
    }
}
