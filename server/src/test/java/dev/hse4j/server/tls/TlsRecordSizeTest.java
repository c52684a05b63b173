package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.TlsWriteExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The 16 KB rule, proven on the wire: a relay between the client and the server reads every TLS record
 * header the server sends, while an extension writes N bytes in ONE operation (sync, async, vector,
 * TransmitFile) over HTTP/1.1 and HTTP/2. Every application-data record must carry at most 16 KB of
 * plaintext (length ≤ 16,384 + 256), the body must arrive intact, and an asynchronous operation must
 * complete exactly once with the total however many records it took, refusing a second operation
 * (ERROR_BUSY) while it is in flight.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsRecordSizeTest {

    static final int MAX_RECORD = 16_384 + 256;
    static final int KIB = 1024;
    static final int MIB = 1024 * 1024;

    @TempDir
    static Path tmp;
    TestServer server;
    TlsRecordRelay relay;
    HttpClient h1;
    HttpClient h2;
    final List<Path> files = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        Path jar = FixtureJars.jarOf(tmp.resolve("jars/tlswrite.jar"), TlsWriteExtension.class);
        server = TestServer.builder(tmp).jar(jar).config(TlsTesting.https(t -> t)).start();
        relay = new TlsRecordRelay(server.server().httpsPort());
        var ctx = TlsTesting.trusting(TlsTesting.certificate(server));
        h1 = TlsTesting.client(ctx, HttpClient.Version.HTTP_1_1);
        h2 = TlsTesting.client(ctx, HttpClient.Version.HTTP_2);
    }

    @AfterAll
    void stop() throws Exception {
        relay.close();
        server.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        int[] sizes = {0, 1, 16_383, 16_384, 16_385, MIB, 100 * MIB};
        for (String proto : List.of("h1", "h2")) {
            for (String mode : List.of("sync", "async")) {
                for (int n : sizes) {
                    a.add(Arguments.of(proto, mode, n));
                }
            }
            for (String mode : List.of("vector", "file")) {
                for (int n : new int[] {1, 16_385, 3 * MIB + 7}) {
                    a.add(Arguments.of(proto, mode, n));
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} bytes")
    @MethodSource("cases")
    void everyRecordCarriesAtMost16KB(String proto, String mode, int n) throws Exception {
        HttpClient client = proto.equals("h2") ? h2 : h1;
        String id = UUID.randomUUID().toString();
        String query = "bytes=" + n + "&mode=" + mode + "&id=" + id;
        if (mode.equals("file")) {
            query += "&file=" + patternFile(n);
        }
        boolean probe = mode.equals("async") && n >= 100 * MIB; // surely still in flight right after it starts
        if (probe) {
            query += "&probe=1";
        }
        relay.reset();
        HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + relay.port() + "/ext/tlswrite?" + query))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals(proto.equals("h2") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1, r.version());
        long got;
        try (InputStream in = r.body()) {
            got = verifyPattern(in);
        }
        assertEquals(n, got, "body length");
        // The relay records a header before it forwards the record, so everything is counted by now.
        List<TlsRecordRelay.Rec> recs = relay.records();
        assertNull(relay.parseError(), relay.parseError());
        long appRecords = 0;
        int largest = 0;
        for (TlsRecordRelay.Rec rec : recs) {
            if (rec.type() == 23) {
                appRecords++;
                largest = Math.max(largest, rec.length());
                assertTrue(rec.length() <= MAX_RECORD, "a " + rec.length() + "-byte application-data record");
            }
        }
        assertTrue(appRecords >= (n + 16_383L) / 16_384, appRecords + " records for " + n + " bytes");
        if (n >= MIB && System.getProperty("tls.histogram") != null) {
            System.out.println("HIST " + proto + " " + mode + " " + n + " " + histogram(recs));
        }
        if (n >= MIB) {
            // Chunked at 16 KB, not smaller: the records are full, none is a crumb of a piece that did not
            // fit (HTTP/2 pieces are 16,375 bytes so that a DATA frame with its 9-byte header fills one).
            int piece = proto.equals("h2") ? 16_375 : 16_384;
            long pieces = mode.equals("vector") ? (n / 2 + piece - 1) / piece * 2 : (n + piece - 1L) / piece;
            // (a few more where HTTP/2 flow control cuts a frame at the end of the client's window)
            assertTrue(appRecords <= pieces + pieces / 100 + 4, appRecords + " records for " + pieces + " pieces of " + n + " bytes: "
                    + histogram(recs));
        }

        if (!mode.equals("sync")) {
            String report = awaitReport(client, id);
            assertTrue(report.startsWith("completions=1 bytes=" + n + " error=0 "), report);
            if (probe) {
                // a second asynchronous and a synchronous write, tried while the 100 MiB one was in flight
                assertTrue(report.contains(" second=170 sync=170 "), report);
            }
        } else {
            String report = awaitReport(client, id);
            assertTrue(report.endsWith(" written=" + n), report);
        }
    }

    /**
     * The pieces themselves, seen through HTTP/1.1 chunked framing (one chunk per server write): on TLS a
     * single 100,000-byte writeClient goes out as 16 KB pieces; on plain HTTP it is not cut at all.
     */
    @org.junit.jupiter.api.Test
    void tlsCutsWritesInto16KBPiecesAndPlainHttpDoesNot() throws Exception {
        int n = 100_000;
        // keep-alive: with Connection: close the body could be delimited by the close instead of chunks
        String request = "GET /ext/tlswrite?mode=sync&nolength=1&bytes=" + n + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        javax.net.ssl.SSLContext ctx = TlsTesting.trusting(TlsTesting.certificate(server));
        List<Integer> tls;
        try (java.net.Socket s = ctx.getSocketFactory().createSocket("127.0.0.1", server.server().httpsPort())) {
            tls = chunkSizes(s, request);
        }
        List<Integer> plain;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            plain = chunkSizes(s, request);
        }
        assertEquals(List.of(n), plain);
        assertEquals(List.of(16_384, 16_384, 16_384, 16_384, 16_384, 16_384, n - 6 * 16_384), tls);
    }

    private static List<Integer> chunkSizes(java.net.Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length")) {
                throw new AssertionError("expected chunked framing: " + line);
            }
        }
        List<Integer> sizes = new ArrayList<>();
        long pos = 0;
        while (true) {
            int size = Integer.parseInt(readLine(in).trim(), 16);
            if (size == 0) {
                return sizes;
            }
            byte[] b = new byte[size];
            in.readFully(b);
            verifyPattern(new java.io.ByteArrayInputStream(b), pos);
            pos += size;
            sizes.add(size);
            readLine(in);
        }
    }

    private static String readLine(java.io.DataInputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new java.io.EOFException(sb.toString());
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private String awaitReport(HttpClient client, String id) {
        String[] last = new String[1];
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                    + server.server().httpsPort() + "/ext/tlswrite?report=" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            last[0] = r.body();
            return !r.body().startsWith("completions=0 ") || r.body().contains("written=");
        });
        return last[0];
    }

    private static String histogram(List<TlsRecordRelay.Rec> recs) {
        java.util.TreeMap<Integer, Integer> h = new java.util.TreeMap<>();
        for (TlsRecordRelay.Rec r : recs) {
            h.merge(r.type() * 100_000 + r.length(), 1, Integer::sum);
        }
        return h.toString();
    }

    /** @return the bytes read, each checked against i mod 251 */
    static long verifyPattern(InputStream in) throws IOException {
        return verifyPattern(in, 0);
    }

    /** @return the bytes read, each checked against (start + i) mod 251 */
    static long verifyPattern(InputStream in, long start) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long pos = start;
        int n;
        while ((n = in.read(buf)) > 0) {
            int expected = (int) (pos % 251);
            for (int i = 0; i < n; i++) {
                if (buf[i] != (byte) expected) {
                    throw new AssertionError("byte " + (pos + i) + " is " + (buf[i] & 0xff) + ", expected " + expected);
                }
                if (++expected == 251) {
                    expected = 0;
                }
            }
            pos += n;
        }
        return pos - start;
    }

    private Path patternFile(int n) throws IOException {
        Path p = tmp.resolve("pattern-" + n + ".bin");
        if (!Files.exists(p)) {
            try (OutputStream out = Files.newOutputStream(p)) {
                byte[] b = new byte[251 * 1024];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) (i % 251);
                }
                long left = n;
                while (left > 0) {
                    int k = (int) Math.min(left, b.length);
                    out.write(b, 0, k);
                    left -= k;
                }
            }
            files.add(p);
        }
        return p;
    }
}
