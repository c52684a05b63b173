package dev.hse4j.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.samples.echo.EchoExtension;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The echo sample's test (server/.../foundation/EchoTest), rewritten with the test kit, in memory; the
 * same tests run over a socket in {@link EchoSampleSocketTest}.
 */
@Hse4jTest(EchoExtension.class)
class EchoSampleTest {

    static final int READ_AHEAD = 48 * 1024;

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, READ_AHEAD - 1, READ_AHEAD, READ_AHEAD + 1, 5 * 1024 * 1024})
    void echoRoundTripsByteForByte(int size, Hse4jClient client) {
        byte[] body = random(size);
        TestResponse r = client.post("/ext/echo", "application/x-hse4j-test", body);
        assertEquals(200, r.status());
        assertEquals("application/x-hse4j-test", r.header("Content-Type"));
        assertEquals(String.valueOf(size), r.header("Content-Length"));
        assertArrayEquals(body, r.body());
    }

    @Test
    void echoRoundTripsAChunkedUploadSentInPieces(Hse4jClient client) {
        byte[] body = random(1024 * 1024);
        TestRequest req = client.request("POST", "/ext/echo").header("Content-Type", "application/x-chunky").chunked();
        for (int i = 0; i < body.length; i += 10_000) {
            req.part(Arrays.copyOfRange(body, i, Math.min(body.length, i + 10_000)));
        }
        TestResponse r = req.send();
        assertEquals(200, r.status());
        assertEquals("application/x-chunky", r.header("Content-Type"));
        // streamed back as it arrives: its length is known only at its end, so the reply is chunked too
        assertTrue(r.chunked(), r.toString());
        assertArrayEquals(body, r.body());
    }

    @Test
    void theBodyCanArriveWhileTheExtensionReads(Hse4jClient client) {
        byte[] body = random(200_000);
        // Content-Length declared, the first piece sent: the extension runs and blocks in readClient
        // until the test sends the rest.
        try (Exchange x = client.request("POST", "/ext/echo").contentLength(body.length)
                .part(Arrays.copyOfRange(body, 0, 100_000)).start()) {
            assertEquals(200, x.readHead().status());
            assertArrayEquals(Arrays.copyOfRange(body, 0, 100_000), x.readBodyBytes(100_000));
            x.write(Arrays.copyOfRange(body, 100_000, body.length));
            assertArrayEquals(Arrays.copyOfRange(body, 100_000, body.length), x.response().body());
        }
    }
}
