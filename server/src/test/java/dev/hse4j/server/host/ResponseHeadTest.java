package dev.hse4j.server.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import org.junit.jupiter.api.Test;

class ResponseHeadTest {

    @Test
    void parsesIsapiStatusAndHeaderBlocks() throws Exception {
        ResponseHead h = ResponseHead.parse("404 Not Found", "Content-Type: text/plain\r\nX-A:  b \r\n\r\n", 200);
        assertEquals(404, h.status());
        assertEquals(2, h.fields().size());
        assertEquals("Content-Type", h.fields().get(0).getName());
        assertEquals("b", h.fields().get(1).getValue());
        assertEquals(200, ResponseHead.parse(null, null, 200).status());
        assertEquals(302, ResponseHead.parse("HTTP/1.1 302 Found", "Location: /\n", 200).status());
        assertEquals(201, ResponseHead.parse("201", "", 200).status());
    }

    @Test
    void refusesWhatWouldCorruptTheResponse() {
        for (String[] bad : new String[][] {
            {"2000 OK", null}, {"OK", null}, {"99 Low", null},
            {null, "NoColonHere\r\n"}, {null, ": empty name\r\n"}, {null, "Bad Name: x\r\n"},
            {null, "X: a\u0000b\r\n"}, {null, "Transfer-Encoding: chunked\r\n"}, {null, "Content-Length: -1\r\n"},
            {null, "Content-Length: ten\r\n"},
        }) {
            IsapiException e = assertThrows(IsapiException.class, () -> ResponseHead.parse(bad[0], bad[1], 200),
                    bad[0] + " / " + bad[1]);
            assertEquals(IsapiError.INVALID_PARAMETER, e.errorCode());
        }
    }
}
