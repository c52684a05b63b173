package dev.hse4j.server.proxy;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The redirect-record query's expected answers ("not granted" 5, "not found" 1168) are ordinary
 * {@link IsapiException}s with their code and message, thrown without a stack trace: a proxying extension
 * asks on every request, and most connections have no record.
 */
class RecordQueryTest {

    @Test
    void notFoundAndNotGrantedCarryTheirCodeAndMessageAndNoStackTrace() {
        IsapiException notFound = assertThrows(IsapiException.class, () -> new RecordQuery(null, true).copyTo(new byte[256]));
        assertEquals(IsapiError.NOT_FOUND, notFound.errorCode());
        assertTrue(notFound.getMessage().contains("did not come through a trusted proxy"), notFound.getMessage());
        assertEquals(0, notFound.getStackTrace().length, "an expected answer fills no stack trace");

        IsapiException view = assertThrows(IsapiException.class, () -> new RecordQuery(null, true).view());
        assertEquals(IsapiError.NOT_FOUND, view.errorCode());
        assertEquals(0, view.getStackTrace().length);

        IsapiException denied = assertThrows(IsapiException.class, () -> new RecordQuery(null, false).copyTo(null));
        assertEquals(IsapiError.ACCESS_DENIED, denied.errorCode());
        assertTrue(denied.getMessage().contains("redirectRecords = true"), denied.getMessage());
        assertEquals(0, denied.getStackTrace().length);
    }
}
