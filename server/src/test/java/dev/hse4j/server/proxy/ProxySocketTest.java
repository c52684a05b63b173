package dev.hse4j.server.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.RedirectRecord.Tlv;
import dev.hse4j.fixtures.RedirectDeniedExtension;
import dev.hse4j.fixtures.RedirectRecordExtension;
import dev.hse4j.server.config.ProxyConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PROXY listener through real sockets: hse4j's HTTP port requires a header from 127.0.0.1 (trusted);
 * other loopback addresses (127.0.0.3) are untrusted peers.
 */
class ProxySocketTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static ProxyStats stats;

    @BeforeAll
    static void start() throws Exception {
        Path jar = FixtureJars.jarOf(dir.resolve("fixtures/records.jar"), RedirectRecordExtension.class,
                RedirectDeniedExtension.class);
        server = TestServer.builder(dir).jar(jar).config(b -> b.proxy(new ProxyConfig(Set.of(ProxyConfig.Listener.HTTP),
                List.of("127.0.0.1/32", "::1"), Duration.ofMillis(1500), 1024))).start();
        stats = server.server().proxy().stats();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static Map<String, String> report(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    private static InetSocketAddress a(String host, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    private Map<String, String> getWith(byte[] header, String path) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send(header);
            RawHttp.Reply r = c.get(path);
            assertEquals(200, r.status(), r.text());
            return report(r.text());
        }
    }

    @Test
    void v1FromATrustedPeerNamesTheClient() throws Exception {
        byte[] h = ProxyV2.v1(a("203.0.113.7", 40001), a("198.51.100.2", 8443));
        long before = stats.acceptedV1();
        Map<String, String> m = getWith(h, "/ext/records");
        assertEquals("203.0.113.7", m.get("REMOTE_ADDR"));
        assertEquals("203.0.113.7", m.get("REMOTE_HOST"));
        assertEquals("40001", m.get("REMOTE_PORT"));
        assertEquals("127.0.0.1", m.get("PROXY_ADDR"), "the balancer's own address");
        assertEquals("198.51.100.2", m.get("LOCAL_ADDR"), "the address the client connected to");
        assertEquals("off", m.get("HTTPS"));
        assertEquals("1", m.get("record.version"));
        assertEquals("TCP4", m.get("record.family"));
        assertEquals("122 " + h.length, m.get("query.null"));
        assertEquals("122 " + h.length, m.get("query.short"));
        assertEquals(Integer.toString(h.length), m.get("query.copied"));
        assertEquals(HexFormat.of().formatHex(h), m.get("query.raw"));
        assertEquals(before + 1, stats.acceptedV1());
        // The access log names the client too.
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(server.accessLog())
                && Files.readAllLines(server.accessLog()).stream().anyMatch(l -> l.startsWith("203.0.113.7 ")));
    }

    @Test
    void v2SplitAcrossReadsAndKeptForEveryRequestOfTheConnection() throws Exception {
        byte[] h = ProxyV2.proxy().tcp(a("2001:db8::42", 50000), a("2001:db8::1", 443)).build();
        try (RawHttp c = new RawHttp(server.port())) {
            for (byte b : h) { // one byte per segment (TCP_NODELAY): the header arrives in many reads
                c.send(new byte[] {b});
            }
            for (int i = 0; i < 2; i++) {
                Map<String, String> m = report(c.get("/ext/records").text());
                assertEquals("2001:db8:0:0:0:0:0:42", m.get("REMOTE_ADDR"));
                assertEquals("50000", m.get("REMOTE_PORT"));
                assertEquals("TCP6", m.get("record.family"));
                assertEquals(HexFormat.of().formatHex(h), m.get("query.raw"));
            }
        }
    }

    @Test
    void v2WithTlvsAndTheSslTlvMakesTheRequestSecure() throws Exception {
        byte[] h = ProxyV2.proxy().tcp(a("192.0.2.9", 61000), a("192.0.2.1", 443))
                .tlv(Tlv.ALPN, "http/1.1").tlv(Tlv.AUTHORITY, "shop.example").tlv(Tlv.UNIQUE_ID, "req-77")
                .ssl(0x01, 0, Tlv.SSL_VERSION, "TLSv1.3", Tlv.SSL_CIPHER, "TLS_AES_256_GCM_SHA384")
                .tlv(Tlv.NOOP, new byte[2]).crc32c().build();
        Map<String, String> m = getWith(h, "/ext/records");
        assertEquals("192.0.2.9", m.get("REMOTE_ADDR"));
        assertEquals("on", m.get("HTTPS"), "the client spoke TLS to the balancer");
        assertEquals("1", m.get("SERVER_PORT_SECURE"));
        assertEquals("shop.example", m.get("record.authority"));
        assertEquals("req-77", m.get("record.uniqueId"));
        assertEquals("01,02,05,20,04,03", m.get("record.tlvs"));
        assertEquals("1 TLSv1.3 TLS_AES_256_GCM_SHA384", m.get("record.ssl"));
        assertEquals(HexFormat.of().formatHex(h), m.get("record.raw"));
    }

    @Test
    void headerAndRequestInOneWrite() throws Exception {
        byte[] h = ProxyV2.proxy().tcp(a("192.0.2.5", 1234), a("192.0.2.1", 80)).build();
        byte[] req = "GET /ext/records HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + req.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(req, 0, all, h.length, req.length);
        try (RawHttp c = new RawHttp(server.port())) {
            c.send(all);
            RawHttp.Reply r = c.read();
            assertEquals("192.0.2.5", report(r.text()).get("REMOTE_ADDR"));
        }
    }

    @Test
    void localCommandIsAcceptedWithoutARecord() throws Exception {
        long before = stats.acceptedLocal();
        Map<String, String> m = getWith(ProxyV2.local().build(), "/ext/records");
        assertEquals("127.0.0.1", m.get("REMOTE_ADDR"), "LOCAL keeps the real addresses");
        assertEquals("127.0.0.1", m.get("PROXY_ADDR"));
        assertEquals("ERR 1168", m.get("query"));
        assertEquals("ERR 1168", m.get("record"));
        assertEquals(before + 1, stats.acceptedLocal());
        try (RawHttp c = new RawHttp(server.port())) {
            c.send(ProxyV2.local().build());
            assertEquals(200, c.get("/hse/health").status(), "HAProxy's health check path");
        }
    }

    @Test
    void notGrantedIsAccessDenied() throws Exception {
        Map<String, String> m = getWith(ProxyV2.v1(a("203.0.113.8", 1), a("198.51.100.2", 80)), "/ext/norecords");
        assertEquals("ERR 5", m.get("query"));
        assertEquals("ERR 5", m.get("record"));
        assertEquals("203.0.113.8", m.get("REMOTE_ADDR"), "the variables are not gated");
    }

    @Test
    void untrustedPeerIsResetWithoutAByteRead() throws Exception {
        long untrusted = stats.rejected(Rejection.UNTRUSTED);
        long bytes = stats.headerBytesRead();
        long others = otherRejections();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.3", 0));
            s.connect(new InetSocketAddress("127.0.0.1", server.port()));
            s.setSoTimeout(10_000);
            IOException e = assertThrows(IOException.class, () -> {
                s.getOutputStream().write(ProxyV2.v1(a("203.0.113.66", 1), a("198.51.100.2", 80)));
                s.getOutputStream().write("GET /ext/records HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                int n = s.getInputStream().read();
                throw new AssertionError("read " + n + " instead of a reset");
            });
            assertTrue(e instanceof SocketException && e.getMessage().toLowerCase().contains("reset"), e.toString());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stats.rejected(Rejection.UNTRUSTED) == untrusted + 1);
        assertEquals(bytes, stats.headerBytesRead(), "not a byte of the untrusted connection was read");
        assertEquals(others, otherRejections(), "its header was never parsed, so never judged");
    }

    private static long otherRejections() {
        long n = 0;
        for (Rejection r : Rejection.values()) {
            n += r == Rejection.UNTRUSTED ? 0 : stats.rejected(r);
        }
        return n;
    }

    /** Sends bytes from the trusted peer and expects the connection closed without a response. */
    private static void closedWithout(byte[] bytes, Rejection why) throws Exception {
        long before = stats.rejected(why);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            InputStream in = s.getInputStream();
            int first;
            try {
                first = in.read();
            } catch (SocketException reset) {
                first = -1;
            }
            assertEquals(-1, first, "no response, the connection is closed");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stats.rejected(why) == before + 1);
    }

    @Test
    void trustedPeerWithoutAHeaderIsRefused() throws Exception {
        closedWithout("GET /ext/records HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                Rejection.NO_HEADER);
    }

    @Test
    void malformedBadCrcAndOversizedAreClosedAndCounted() throws Exception {
        byte[] good = ProxyV2.proxy().tcp(a("192.0.2.9", 1), a("192.0.2.1", 2)).crc32c().build();
        byte[] badCrc = good.clone();
        badCrc[16] ^= 1;
        closedWithout(badCrc, Rejection.BAD_CRC);
        closedWithout("PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n".getBytes(StandardCharsets.US_ASCII), Rejection.MALFORMED);
        closedWithout(ProxyV2.proxy().tcp(a("192.0.2.9", 1), a("192.0.2.1", 2)).tlv(0xE0, new byte[1000]).build(),
                Rejection.OVERSIZED);
    }

    @Test
    void truncatedAndSlowHeadersAreClosedAndCounted() throws Exception {
        byte[] h = ProxyV2.proxy().tcp(a("192.0.2.9", 1), a("192.0.2.1", 2)).build();
        long timeouts = stats.rejected(Rejection.TIMEOUT);
        long start = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(h, 0, 20); // and nothing more
            assertEquals(-1, s.getInputStream().read());
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 1400, "closed at the 1.5 s header deadline, not before: " + ms + " ms");
        assertEquals(timeouts + 1, stats.rejected(Rejection.TIMEOUT));

        long truncated = stats.rejected(Rejection.TRUNCATED);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(h, 0, 20);
            s.shutdownOutput();
            s.setSoTimeout(10_000);
            assertEquals(-1, s.getInputStream().read());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stats.rejected(Rejection.TRUNCATED) == truncated + 1);
    }

    @Test
    void theStatusDocumentCountsByReason() throws Exception {
        String json;
        try (RawHttp c = new RawHttp(server.port())) {
            c.send(ProxyV2.local().build()); // the listener takes nothing without a header
            RawHttp.Reply r = c.get("/hse/status.json");
            assertEquals(200, r.status());
            json = r.text();
        }
        assertTrue(json.contains("\"proxyProtocol\""), json);
        assertTrue(json.contains("\"bad_crc\""), json);
    }

    @Test
    void aConnectionThatWasNotProxiedHasNoRecord(@TempDir Path other) throws Exception {
        Path jar = FixtureJars.jarOf(other.resolve("fixtures/records.jar"), RedirectRecordExtension.class,
                RedirectDeniedExtension.class);
        try (TestServer plain = TestServer.builder(other).jar(jar).start()) {
            try (RawHttp c = new RawHttp(plain.port())) {
                Map<String, String> m = report(c.get("/ext/records").text());
                assertEquals("ERR 1168", m.get("query"));
                assertEquals("ERR 1168", m.get("record"));
                assertEquals("ERR 232", m.get("PROXY_ADDR"));
                m = report(c.get("/ext/norecords").text());
                assertEquals("ERR 5", m.get("query"), "access denied is checked first");
            }
        }
    }
}
