package dev.hse4j.server.ssf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HSE_REQ_SET_FLUSH_FLAG, counted on the wire: the client socket's {@code data_segs_in} (the kernel's count of
 * TCP segments with data that reached it, read with {@code ss -ti}) tells how many TCP writes the server made.
 */
class FlushFlagTest {

    @TempDir
    static Path tmp;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        // No read-ahead: the ping-pong extension must run before its request body has arrived.
        server = SsfTesting.start(tmp, b -> b.readAheadBytes(0));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The data segments the client socket has received so far, from the kernel (iproute2's ss). */
    static long dataSegmentsIn(RawHttp raw) throws IOException, InterruptedException {
        int local = raw.socket().getLocalPort();
        int remote = raw.socket().getPort();
        Process p = new ProcessBuilder("ss", "-tinH", "state", "established",
                "( sport = :" + local + " and dport = :" + remote + " )").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        Matcher m = Pattern.compile("data_segs_in:(\\d+)").matcher(out);
        if (!m.find()) {
            return 0; // the kernel shows the field only once a data segment arrived
        }
        return Long.parseLong(m.group(1));
    }

    static byte[] expected(int n, int size) {
        byte[] b = new byte[n * size];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(b, i * size, (i + 1) * size, (byte) ('a' + i % 26));
        }
        return b;
    }

    @Test
    void flagOffSendsManySmallWritesInFewSegments() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            long before = dataSegmentsIn(raw);
            RawHttp.Reply r = raw.get("/ext/ssf?op=smallWrites&flush=off&n=400&size=10");
            assertEquals(200, r.status());
            assertArrayEquals(expected(400, 10), r.body());
            long segments = dataSegmentsIn(raw) - before;
            // 4,000 bytes in 400 writes, buffered: one TCP write with the headers (two if the kernel splits).
            assertTrue(segments >= 1 && segments <= 2, "400 buffered writes took " + segments + " segments");
        }
    }

    @Test
    void flagOffStillSendsLargeResponsesWhole() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            // 3,000 writes of 10 bytes: the 8 KB buffer goes out as it fills.
            RawHttp.Reply r = raw.get("/ext/ssf?op=smallWrites&flush=off&n=3000&size=10");
            assertArrayEquals(expected(3000, 10), r.body());
            long segments = dataSegmentsIn(raw);
            assertTrue(segments <= 8, "30,000 buffered bytes took " + segments + " segments");
        }
    }

    @Test
    void byDefaultEachWriteIsSentAtOnce() throws Exception {
        // The extension writes 10 bytes, then waits for one request-body byte that the client sends only
        // after it has read those 10 bytes: this completes only if every write reaches the wire at once.
        int n = 30;
        try (RawHttp raw = new RawHttp(server.port())) {
            long before = dataSegmentsIn(raw);
            raw.send("POST /ext/ssf?op=pingPong&n=" + n + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + (n - 1) + "\r\n\r\n");
            RawHttp.Reply head = raw.readHead();
            assertEquals(200, head.status());
            byte[] all = expected(n, 10);
            for (int i = 0; i < n; i++) {
                byte[] got = raw.readBytes(10);
                assertArrayEquals(java.util.Arrays.copyOfRange(all, i * 10, i * 10 + 10), got, "write " + i);
                if (i < n - 1) {
                    raw.send(new byte[] {'x'});
                }
            }
            long segments = dataSegmentsIn(raw) - before;
            assertTrue(segments >= n, n + " flushed writes arrived in only " + segments + " segments");
        }
    }
}
