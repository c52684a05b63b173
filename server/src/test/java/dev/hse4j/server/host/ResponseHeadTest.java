package dev.hse4j.server.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import org.eclipse.jetty.http.HttpHeader;
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
    void contentTypeAndLengthTakeTheFastPathWithTheSameResult() throws Exception {
        ResponseHead h = ResponseHead.parse("200 OK",
                "content-type:text/html; charset=utf-8 \r\nCONTENT-LENGTH:  18\r\nContent-Length : 7\nX-B: c\r\n\r\n", 200);
        assertEquals(4, h.fields().size());
        assertEquals(HttpHeader.CONTENT_TYPE, h.fields().get(0).getHeader());
        assertEquals("text/html; charset=utf-8", h.fields().get(0).getValue());
        assertEquals(HttpHeader.CONTENT_LENGTH, h.fields().get(1).getHeader());
        assertEquals(18L, h.fields().get(1).getLongValue());
        assertEquals("18", h.fields().get(1).getValue());
        assertEquals("Content-Length", h.fields().get(1).getName());
        assertEquals(7L, h.fields().get(2).getLongValue()); // the general path, a blank before the colon
        assertEquals("X-B", h.fields().get(3).getName());
        assertEquals(0L, ResponseHead.parse(null, "Content-Length: 0\r\n", 200).fields().get(0).getLongValue());
        assertEquals(999999999999999999L,
                ResponseHead.parse(null, "Content-Length: 999999999999999999\r\n", 200).fields().get(0).getLongValue());
    }

    @Test
    void refusesWhatWouldCorruptTheResponse() {
        for (String[] bad : new String[][] {
            {"2000 OK", null}, {"OK", null}, {"99 Low", null},
            {null, "NoColonHere\r\n"}, {null, ": empty name\r\n"}, {null, "Bad Name: x\r\n"},
            {null, "X: a\u0000b\r\n"}, {null, "Transfer-Encoding: chunked\r\n"}, {null, "Content-Length: -1\r\n"},
            {null, "Content-Length: ten\r\n"}, {null, "content-length:\r\n"}, {null, "Content-Length: 1 2\r\n"},
            {null, "Content-Length: +5\r\n"}, {null, "Content-Length: 99999999999999999999\r\n"},
            {null, "Content-Type: text/\u0001plain\r\n"}, {null, "Content-Length : x\r\n"},
        }) {
            IsapiException e = assertThrows(IsapiException.class, () -> ResponseHead.parse(bad[0], bad[1], 200),
                    bad[0] + " / " + bad[1]);
            assertEquals(IsapiError.INVALID_PARAMETER, e.errorCode());
        }
    }

    @Test
    void theCacheGivesTheSameHeadForTheSameTextAndNeverKeepsAFailure() throws Exception {
        ResponseHead.Cache cache = new ResponseHead.Cache();
        String text = "Content-Type: text/plain\r\nContent-Length: " + 18 + "\r\n\r\n";
        ResponseHead first = cache.parse("200 OK", text, 200);
        ResponseHead second = cache.parse(new String("200 OK"), new String(text), 200);
        ResponseHead again = cache.parse(new String("200 OK"), new String(text), 200);
        // Parsed once, pre-encoded once at the second use, then the same head every time.
        org.junit.jupiter.api.Assertions.assertSame(second, again);
        assertTrue(first.fields().stream().noneMatch(f -> f instanceof org.eclipse.jetty.http.PreEncodedHttpField));
        assertEquals(List.of("Content-Type: text/plain", "Content-Length: 18"),
                again.fields().stream().map(f -> f.getName() + ": " + f.getValue()).toList());
        assertTrue(again.fields().get(0) instanceof org.eclipse.jetty.http.PreEncodedHttpField);
        assertEquals(18L, again.fields().get(1).getLongValue());
        assertEquals(first.status(), again.status());
        assertEquals(18L, again.contentLength());
        assertEquals(404, cache.parse("404 Not Found", text, 200).status()); // the status is part of the key
        assertEquals(201, cache.parse(null, text, 201).status());           // and so is the default status
        assertEquals(200, cache.parse(null, text, 200).status());
        assertThrows(UnsupportedOperationException.class, () -> first.fields().add(first.fields().get(0)));
        assertThrows(UnsupportedOperationException.class, () -> again.fields().add(again.fields().get(0)));
        for (int i = 0; i < 2; i++) {
            IsapiException e = assertThrows(IsapiException.class, () -> cache.parse("200 OK", "X: a\u0001b\r\n", 200));
            assertEquals(IsapiError.INVALID_PARAMETER, e.errorCode());
        }
        String big = "X-Big: " + "a".repeat(600) + "\r\n";
        org.junit.jupiter.api.Assertions.assertNotSame(cache.parse(null, big, 200), cache.parse(null, big, 200));
        assertEquals(-1, cache.parse(null, "X: y\r\n", 200).contentLength());
    }
}
