package dev.hse4j.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream sample's documented body: byte {@code i} is {@code i mod 251}. */
public final class StreamPattern {

    private StreamPattern() {
    }

    /**
     * Reads a 200 response with {@code Content-Length: n} from {@code c} and checks every body byte against
     * the pattern, a megabyte at a time (the body is never held whole).
     */
    public static void readAndCheck(RawHttp c, long n) throws Exception {
        RawHttp.Reply head = c.readHead();
        assertEquals(200, head.status());
        assertEquals(String.valueOf(n), head.header("content-length"));
        long i = 0;
        while (i < n) {
            byte[] part = c.readBytes((int) Math.min(1 << 20, n - i));
            assertTrue(part.length > 0, "body ended at " + i);
            for (byte b : part) {
                if (b != (byte) (i % 251)) {
                    throw new AssertionError("byte " + i + " is " + b);
                }
                i++;
            }
        }
    }
}
