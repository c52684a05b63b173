package dev.hse4j.server.outbound;

import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code proxy} sample in front of a real nginx that accepts only PROXY-protocol connections: the
 * upstream sees the client's address in the v2 header, downloads and uploads are byte-exact (200 concurrent
 * 10 MiB downloads), a client that leaves closes the upstream connection, upstream failures give 502/504
 * without Java text, and unloading the extension closes every connection it still had.
 */
class ProxySampleTest {

    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;
    private static Nginx nginx;
    private static TestServer hse;
    private static String bigSha;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        nginx = Nginx.start(Files.createDirectories(dir.resolve("nginx")));
        bigSha = writeRandom(nginx.root().resolve("big.bin"), 10 * MIB);
        writeRandom(nginx.root().resolve("huge.bin"), 256 * MIB);
        String upstream = "127.0.0.1:" + nginx.port();
        hse = TestServer.builder(Files.createDirectories(dir.resolve("hse"))).samples("proxy")
                // 200 clients arrive at once: the bulkhead (half of the 200 threads by default) would answer
                // some of them 503 while their procedures start, which is right for a server but not what
                // this test measures.
                .config(b -> b.drainTimeout(Duration.ofSeconds(1)).limits(l -> l.withMaxConcurrentRequests(0))
                        .outbound(OutboundConfig.defaults()
                        .withAllowFor("proxy", upstream).withSetting("proxy", "upstream", upstream)))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (hse != null) {
            hse.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    private static String writeRandom(Path p, int size) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random r = new Random(size);
        byte[] chunk = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (int i = 0; i < size / MIB; i++) {
                r.nextBytes(chunk);
                sha.update(chunk);
                out.write(chunk);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + hse.port() + "/ext/proxy" + path;
    }

    /** GET over a raw socket bound to {@code from}; returns the whole response as text. */
    private static String rawGet(String from, String path) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", hse.port()));
            s.getOutputStream().write(("GET /ext/proxy" + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return s.getLocalPort() + "|" + new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * The procedure only starts asynchronous work, so the sample declares {@code nonBlocking}: it runs on the
     * network thread, and a proxied request wakes no worker (the rest runs on the outbound I/O thread).
     */
    @Test
    void theProcedureRunsOnTheNetworkThread() {
        String status = hse.given().get("/hse/status.json").then().statusCode(200).extract().asString();
        assertTrue(status.matches("(?s).*\"name\" : \"proxy\".*?\"nonBlocking\" : true.*"), "status.json shows the setting");
    }

    @Test
    void theUpstreamSeesTheProxyV2HeaderWithTheClientsAddress() throws Exception {
        String r = rawGet("127.0.0.2", "/pp");
        String port = r.substring(0, r.indexOf('|'));
        assertTrue(r.contains("200 OK"), r);
        assertTrue(r.contains("127.0.0.2:" + port + " -> 127.0.0.1:" + hse.port() + "\n"), r);
        String hello = rawGet("127.0.0.3", "/hello");
        assertTrue(hello.endsWith("\r\n\r\nhello\n"), hello);
        assertTrue(nginx.accessLog().stream().anyMatch(l -> l.startsWith("127.0.0.3:") && l.contains("GET /hello")));
    }

    @Test
    void twoHundredConcurrentDownloadsOf10MiBAreByteExact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(200);
        try {
            List<Future<String>> all = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                all.add(pool.submit(() -> {
                    HttpURLConnection c = (HttpURLConnection) URI.create(url("/big.bin")).toURL().openConnection();
                    c.setReadTimeout(120_000);
                    assertEquals(200, c.getResponseCode());
                    assertEquals(String.valueOf(10 * MIB), c.getHeaderField("Content-Length"));
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    try (InputStream in = new DigestInputStream(c.getInputStream(), sha)) {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                    return HexFormat.of().formatHex(sha.digest());
                }));
            }
            for (Future<String> f : all) {
                assertEquals(bigSha, f.get(240, TimeUnit.SECONDS));
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("ProxySampleTest: 200 x 10 MiB through the proxy in %d ms (%.0f MiB/s)%n", ms, 2000.0 * 1000 / ms);
        } finally {
            pool.shutdownNow();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> hse.server().outbound().openCount() == 0);
    }

    @Test
    void uploadsAreByteExactWithContentLengthAndChunked() throws Exception {
        byte[] body = new byte[10 * MIB + 12_345];
        new Random(7).nextBytes(body);
        for (boolean chunked : new boolean[] {false, true}) {
            String name = chunked ? "chunked.bin" : "sized.bin";
            HttpURLConnection c = (HttpURLConnection) URI.create(url("/up/" + name)).toURL().openConnection();
            c.setRequestMethod("PUT");
            c.setDoOutput(true);
            if (chunked) {
                c.setChunkedStreamingMode(7_000);
            } else {
                c.setFixedLengthStreamingMode(body.length);
            }
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            int code = c.getResponseCode();
            assertTrue(code == 201 || code == 204, "PUT answered " + code);
            assertArrayEquals(body, Files.readAllBytes(nginx.root().resolve("up/" + name)), name);
        }
        // A small body travels in the first data, with the head.
        HttpURLConnection c = (HttpURLConnection) URI.create(url("/up/small.txt")).toURL().openConnection();
        c.setRequestMethod("PUT");
        c.setDoOutput(true);
        try (OutputStream out = c.getOutputStream()) {
            out.write("small".getBytes());
        }
        assertTrue(c.getResponseCode() / 100 == 2);
        assertEquals("small", Files.readString(nginx.root().resolve("up/small.txt")));
    }

    @Test
    void aClientThatLeavesClosesTheUpstreamConnection() throws Exception {
        int before = nginx.accessLog().size();
        try (Socket s = new Socket("127.0.0.1", hse.port())) {
            s.getOutputStream().write("GET /ext/proxy/huge.bin HTTP/1.1\r\nHost: t\r\n\r\n".getBytes());
            InputStream in = s.getInputStream();
            in.readNBytes(MIB); // head and the first MiB, then the client goes
            s.setSoLinger(true, 0);
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> hse.server().outbound().openCount() == 0);
        // nginx logs the request when its downstream (the proxy) closed: with far fewer bytes than the file.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> nginx.accessLog().stream().skip(before)
                .anyMatch(l -> l.contains("GET /huge.bin")));
        String line = nginx.accessLog().stream().skip(before).filter(l -> l.contains("GET /huge.bin")).findFirst().orElseThrow();
        long sent = Long.parseLong(line.split(" ")[2]);
        assertTrue(sent < 256L * MIB, "nginx sent " + sent + " bytes: the upstream connection was closed early");
    }

    @Test
    void upstreamFailuresGive502And504WithoutJavaText() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<java.nio.channels.SocketChannel> fillers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                java.nio.channels.SocketChannel f = java.nio.channels.SocketChannel.open();
                f.configureBlocking(false);
                f.connect(full.getLocalSocketAddress());
                fillers.add(f);
            }
            String refused = "127.0.0.1:" + closedPort;
            String silent = "127.0.0.1:" + full.getLocalPort();
            try (TestServer a = TestServer.builder(Files.createDirectories(dir.resolve("a"))).samples("proxy")
                    .config(b -> b.outbound(OutboundConfig.defaults().withAllowFor("proxy", refused)
                            .withSetting("proxy", "upstream", refused))).start();
                 TestServer t = TestServer.builder(Files.createDirectories(dir.resolve("t"))).samples("proxy")
                    .config(b -> b.outbound(OutboundConfig.defaults().withConnectTimeout(Duration.ofMillis(500))
                            .withAllowFor("proxy", silent).withSetting("proxy", "upstream", silent))).start();
                 TestServer n = TestServer.builder(Files.createDirectories(dir.resolve("n"))).samples("proxy")
                    .config(b -> b.outbound(OutboundConfig.defaults() // upstream set, but not on the allow-list
                            .withSetting("proxy", "upstream", "127.0.0.1:" + nginx.port()))).start()) {
                assertPlainError(a, 502);
                assertPlainError(t, 504);
                assertPlainError(n, 502);
                assertEquals(0, a.server().outbound().openCount());
                assertEquals(0, t.server().outbound().openCount());
            } finally {
                for (java.nio.channels.SocketChannel f : fillers) {
                    f.close();
                }
            }
        }
    }

    private static void assertPlainError(TestServer s, int status) {
        String body = s.given().get("/ext/proxy/hello").then().statusCode(status).extract().asString();
        assertFalse(body.contains("Exception") || body.contains("java.") || body.contains("at dev."), body);
        assertFalse(body.isBlank());
    }

    @Test
    void unloadingTheExtensionClosesEveryTrackedConnection() throws Exception {
        // Separate server: this one loses its proxy.
        String upstream = "127.0.0.1:" + nginx.port();
        try (TestServer s = TestServer.builder(Files.createDirectories(dir.resolve("u"))).samples("proxy")
                .config(b -> b.drainTimeout(Duration.ofSeconds(1)).outbound(OutboundConfig.defaults()
                        .withAllowFor("proxy", upstream).withSetting("proxy", "upstream", upstream))).start()) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) { // clients that ask for a big file and do not read: requests stay open
                    Socket c = new Socket("127.0.0.1", s.port());
                    c.setReceiveBufferSize(4096);
                    c.getOutputStream().write("GET /ext/proxy/huge.bin HTTP/1.1\r\nHost: t\r\n\r\n".getBytes());
                    stalled.add(c);
                }
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> s.server().outbound().openCount() == 5);
                JsonNode status = JSON.readTree(s.given().get("/hse/status.json").asString());
                JsonNode proxy = status.at("/outbound/extensions/0");
                assertEquals("proxy", proxy.get("name").asText());
                assertEquals(5, proxy.get("open").asInt());
                assertEquals("OPEN", proxy.at("/connections/0/state").asText());
                assertTrue(proxy.at("/connections/0/remote").asText().endsWith(":" + nginx.port()));

                Files.delete(s.extensionsDir().resolve("proxy.jar")); // undeploy: drains 1 s, then unloads
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.server().outbound().openCount() == 0);
                JsonNode after = JSON.readTree(s.given().get("/hse/status.json").asString());
                assertEquals(0, after.at("/outbound/open").asInt());
                assertEquals(0, after.at("/outbound/extensions").size());
            } finally {
                for (Socket c : stalled) {
                    c.close();
                }
            }
        }
    }
}
