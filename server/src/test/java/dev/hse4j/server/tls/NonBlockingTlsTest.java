package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.async.nb.NbWriterExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A non-blocking extension over HTTPS, HTTP/1.1 and HTTP/2: its procedure runs on the network thread, its
 * synchronous writes (50,000 bytes each, from one reused buffer) are written behind, cut into ≤ 16 KB pieces
 * (checked on the wire by a relay reading every TLS record header), and the body arrives byte-exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NonBlockingTlsTest {

    @TempDir
    static Path tmp;
    TestServer server;
    TlsRecordRelay relay;
    HttpClient h1;
    HttpClient h2;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.builder(tmp).jar(FixtureJars.jarOf(tmp.resolve("jars/nbw.jar"), NbWriterExtension.class))
                .config(TlsTesting.https(t -> t)).start();
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

    @ParameterizedTest
    @ValueSource(strings = {"h1", "h2"})
    void synchronousWritesGoBehindInSixteenKilobytePiecesByteExact(String proto) throws Exception {
        HttpClient client = proto.equals("h2") ? h2 : h1;
        int total = 900_000;
        relay.reset();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + relay.port()
                + "/ext/nbw/write?total=" + total + "&chunk=50000&id=tls-" + proto)).timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals(proto.equals("h2") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1, r.version());
        byte[] expected = new byte[total];
        for (int i = 0; i < total; i++) {
            expected[i] = (byte) (i % 251);
        }
        assertArrayEquals(expected, r.body());
        assertNull(relay.parseError(), relay.parseError());
        long records = 0;
        for (TlsRecordRelay.Rec rec : relay.records()) {
            if (rec.type() == 23) {
                records++;
                assertTrue(rec.length() <= TlsRecordSizeTest.MAX_RECORD, "a " + rec.length() + "-byte record");
            }
        }
        assertTrue(records >= total / 16_384, records + " records");
        HttpResponse<String> where = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                + server.server().httpsPort() + "/ext/nbw/result?id=tls-" + proto)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(where.body().startsWith("ok " + total + " "), where.body());
        if (proto.equals("h1")) {
            assertEquals("ok " + total + " network", where.body(), "HTTP/1.1 over TLS runs it on the network thread");
        }
    }
}
