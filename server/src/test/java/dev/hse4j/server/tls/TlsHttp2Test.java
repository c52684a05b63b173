package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.TlsWriteExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every ECB feature behaves the same over HTTP/2 (ALPN h2) as over HTTP/1.1 on TLS: synchronous writes,
 * PENDING with chained asynchronous writes, TransmitFile, VectorSend, reading the body, redirects, and
 * many concurrent PENDING requests multiplexed on one connection.
 */
class TlsHttp2Test {

    @TempDir
    static Path tmp;
    static TestServer server;
    static javax.net.ssl.SSLContext ctx;

    @BeforeAll
    static void start() throws Exception {
        Path jar = FixtureJars.jarOf(tmp.resolve("jars/tlswrite.jar"), TlsWriteExtension.class);
        server = TestServer.builder(tmp).samples("hello", "echo", "stream", "file", "redirect", "clock", "vars")
                .jar(jar).config(TlsTesting.https(t -> t)).start();
        ctx = TlsTesting.trusting(TlsTesting.certificate(server));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    enum Proto {
        HTTP_1_1, HTTP_2;

        HttpClient client() {
            return TlsTesting.client(ctx, HttpClient.Version.valueOf(name()));
        }
    }

    static URI uri(String pathQuery) {
        return URI.create("https://127.0.0.1:" + server.server().httpsPort() + pathQuery);
    }

    static <T> HttpResponse<T> get(HttpClient c, String pathQuery, HttpResponse.BodyHandler<T> h) throws Exception {
        return c.send(HttpRequest.newBuilder(uri(pathQuery)).timeout(Duration.ofSeconds(60)).build(), h);
    }

    @ParameterizedTest
    @EnumSource(Proto.class)
    void syncWriteAndServerVariables(Proto p) throws Exception {
        HttpClient c = p.client();
        HttpResponse<String> r = get(c, "/ext/hello", HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(HttpClient.Version.valueOf(p.name()), r.version());
        assertTrue(r.body().contains("Hello"), r.body());
        assertEquals(p == Proto.HTTP_2 ? "HTTP/2.0" : "HTTP/1.1",
                get(c, "/ext/vars?name=SERVER_PROTOCOL", HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("on", get(c, "/ext/vars?name=HTTPS", HttpResponse.BodyHandlers.ofString()).body());
    }

    @ParameterizedTest
    @EnumSource(Proto.class)
    void pendingWithChainedAsyncWrites(Proto p) throws Exception {
        HttpClient c = p.client();
        for (int chunk : new int[] {1000, 65_536, 1_000_003}) {
            HttpResponse<InputStream> r = get(c, "/ext/stream?bytes=5000000&chunk=" + chunk,
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.valueOf(p.name()), r.version());
            try (InputStream in = r.body()) {
                assertEquals(5_000_000, TlsRecordSizeTest.verifyPattern(in), "chunk " + chunk);
            }
        }
        HttpResponse<String> clock = get(c, "/ext/clock?ms=50", HttpResponse.BodyHandlers.ofString());
        assertEquals(200, clock.statusCode());
    }

    @ParameterizedTest
    @EnumSource(Proto.class)
    void transmitFileAndVectorSend(Proto p) throws Exception {
        HttpClient c = p.client();
        HttpResponse<byte[]> f = get(c, "/ext/file/index.html", HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, f.statusCode());
        assertArrayEquals(Files.readAllBytes(Path.of(System.getProperty("hse4j.webroot", "../webroot"), "index.html")),
                f.body());
        HttpResponse<InputStream> v = get(c, "/ext/tlswrite?mode=vector&bytes=2500001",
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, v.statusCode());
        try (InputStream in = v.body()) {
            assertEquals(2_500_001, TlsRecordSizeTest.verifyPattern(in));
        }
    }

    @ParameterizedTest
    @EnumSource(Proto.class)
    void readingTheBodyAndRedirects(Proto p) throws Exception {
        HttpClient c = p.client();
        byte[] body = new byte[300_000];
        new Random(7).nextBytes(body);
        HttpResponse<byte[]> echo = c.send(HttpRequest.newBuilder(uri("/ext/echo"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, echo.statusCode());
        assertArrayEquals(body, echo.body());
        HttpResponse<String> redirect = get(c, "/ext/redirect?to=/index.html", HttpResponse.BodyHandlers.ofString());
        assertEquals(302, redirect.statusCode());
        assertEquals("/index.html", redirect.headers().firstValue("location").orElse(""));
    }

    @ParameterizedTest
    @EnumSource(value = Proto.class, names = "HTTP_2")
    void manyPendingStreamsOnOneConnection(Proto p) throws Exception {
        HttpClient c = p.client();
        // warm up the one connection, then multiplex
        get(c, "/ext/hello", HttpResponse.BodyHandlers.discarding());
        List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String q = i % 2 == 0 ? "/ext/stream?bytes=" + (100_000 + i) + "&chunk=7001" : "/ext/clock?ms=" + (20 + i);
            all.add(c.sendAsync(HttpRequest.newBuilder(uri(q)).build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<byte[]> r = all.get(i).get();
            assertEquals(200, r.statusCode(), "request " + i);
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            if (i % 2 == 0) {
                assertEquals(100_000 + i, TlsRecordSizeTest.verifyPattern(new java.io.ByteArrayInputStream(r.body())));
            }
        }
        // one TCP connection carried them all: the same client port answers every request
        String port = get(c, "/ext/vars?name=REMOTE_PORT", HttpResponse.BodyHandlers.ofString()).body();
        for (int i = 0; i < 5; i++) {
            assertEquals(port, get(c, "/ext/vars?name=REMOTE_PORT", HttpResponse.BodyHandlers.ofString()).body());
        }
    }
}
