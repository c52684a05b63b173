package dev.hse4j.server.outbound;

import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.config.ProxyConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.JarCompiler;
import dev.hse4j.server.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code proxy} sample passes the client's redirect record upstream, through real sockets: a trusted
 * balancer in front of hse4j (a raw socket writing a PROXY v2 header with TLVs, a v1 header, and a real
 * HAProxy with {@code send-proxy-v2}), hse4j with the sample, and an upstream that records the PROXY header
 * each of its connections began with. The upstream gets the record's exact bytes and the original client;
 * without a record (not proxied) or without the grant (a build of the sample without
 * {@code redirectRecords = true}) it gets a v2 header the sample built from the client connection's
 * addresses.
 */
class ProxyRedirectRecordTest {

    private static final byte[] SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    static Path dir;
    static RecordingUpstream upstream;
    /** Behind a trusted proxy (127.0.0.1), the sample as built. */
    static TestServer proxied;
    /** No PROXY protocol: clients connect directly. */
    static TestServer direct;
    /** Behind a trusted proxy, but the sample compiled without the grant. */
    static TestServer denied;

    @BeforeAll
    static void start() throws Exception {
        upstream = new RecordingUpstream();
        String up = upstream.address();
        OutboundConfig out = OutboundConfig.defaults().withAllowFor("proxy", up).withSetting("proxy", "upstream", up);
        ProxyConfig trusted = ProxyConfig.of(Set.of(ProxyConfig.Listener.HTTP), List.of("127.0.0.1"));
        proxied = TestServer.builder(Files.createDirectories(dir.resolve("p"))).samples("proxy")
                .config(b -> b.outbound(out).proxy(trusted)).start();
        direct = TestServer.builder(Files.createDirectories(dir.resolve("d"))).samples("proxy")
                .config(b -> b.outbound(out)).start();
        denied = TestServer.builder(Files.createDirectories(dir.resolve("n"))).jar(sampleWithoutGrant())
                .config(b -> b.outbound(out).proxy(trusted)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {proxied, direct, denied, upstream}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** The sample's own sources, compiled without {@code redirectRecords = true} (its other settings kept), as {@code proxy.jar}. */
    private static Path sampleWithoutGrant() throws IOException {
        Path src = FixtureJars.samplesDir().resolve("../../src/main/java/dev/hse4j/samples/proxy").normalize();
        JarCompiler jar = JarCompiler.create().extension("dev.hse4j.samples.proxy.ProxyExtension");
        int annotated = 0;
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                String stripped = text.replace("@ExtensionSettings(redirectRecords = true)", "")
                        .replace("@ExtensionSettings(redirectRecords = true, ", "@ExtensionSettings(");
                annotated += stripped.equals(text) ? 0 : 1;
                String name = f.getFileName().toString().replace(".java", "");
                jar.source("dev.hse4j.samples.proxy." + name, stripped);
            }
        }
        assertEquals(1, annotated, "the sample asks for redirect records in exactly one place");
        return jar.writeTo(Files.createDirectories(dir.resolve("nogrant")).resolve("proxy.jar"));
    }

    /** A PROXY v2 header for TCP over IPv4, with an authority TLV and a unique-id TLV. */
    static byte[] v2WithTlvs(String src, int srcPort, String dst, int dstPort) throws IOException {
        byte[] authority = "shop.example".getBytes(StandardCharsets.US_ASCII);
        byte[] unique = "req-7f3a".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(InetAddress.getByName(src).getAddress());
        body.writeBytes(InetAddress.getByName(dst).getAddress());
        body.write(srcPort >> 8);
        body.write(srcPort);
        body.write(dstPort >> 8);
        body.write(dstPort);
        for (Object[] tlv : new Object[][] {{0x02, authority}, {0x05, unique}}) {
            byte[] v = (byte[]) tlv[1];
            body.write((Integer) tlv[0]);
            body.write(v.length >> 8);
            body.write(v.length);
            body.writeBytes(v);
        }
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.writeBytes(SIG);
        h.write(0x21);
        h.write(0x11);
        h.write(body.size() >> 8);
        h.write(body.size());
        h.writeBytes(body.toByteArray());
        return h.toByteArray();
    }

    /**
     * Connects from {@code from} to {@code port}, writes {@code preamble} and a GET of {@code /ext/proxy/who}.
     *
     * @return the whole response
     */
    static String get(String from, int port, byte[] preamble, Socket[] socketOut) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(20_000);
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port));
            if (socketOut != null) {
                socketOut[0] = s;
            }
            s.getOutputStream().write(preamble);
            s.getOutputStream().write("GET /ext/proxy/who HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** @return the upstream connection whose request answered {@code response} */
    static RecordingUpstream.Conn connectionOf(String response) {
        int at = response.indexOf("conn=");
        assertTrue(response.startsWith("HTTP/1.1 200") && at > 0, response);
        int n = Integer.parseInt(response.substring(at + 5, response.indexOf(' ', at)));
        return upstream.connections().get(n);
    }

    @Test
    void theUpstreamGetsTheRecordsExactBytesTlvsIncluded() throws Exception {
        byte[] record = v2WithTlvs("203.0.113.7", 40_000, "198.51.100.1", 443);
        String r = get("127.0.0.1", proxied.port(), record, null);
        RecordingUpstream.Conn c = connectionOf(r);
        assertArrayEquals(record, c.header, "the record, byte for byte, as the balancer sent it");
        assertEquals("203.0.113.7:40000", c.source);
        assertTrue(r.endsWith("src=203.0.113.7:40000 conn=" + upstream.connections().indexOf(c) + " req=1\n"), r);
    }

    @Test
    void aV1RecordIsPassedOnAsV1Text() throws Exception {
        byte[] record = "PROXY TCP4 192.0.2.9 192.0.2.1 5555 80\r\n".getBytes(StandardCharsets.US_ASCII);
        RecordingUpstream.Conn c = connectionOf(get("127.0.0.1", proxied.port(), record, null));
        assertArrayEquals(record, c.header);
        assertEquals("192.0.2.9:5555", c.source);
    }

    @Test
    void notProxiedTheSampleBuildsAV2HeaderFromTheClientConnection() throws Exception {
        Socket[] client = new Socket[1];
        RecordingUpstream.Conn c = connectionOf(get("127.0.0.3", direct.port(), new byte[0], client));
        assertEquals("127.0.0.3:" + client[0].getLocalPort(), c.source);
        assertEquals(16 + 12, c.header.length, "a plain TCP4 v2 header, no TLVs");
        assertEquals(0x21, c.header[12]);
        assertEquals(0x11, c.header[13]);
        assertEquals(direct.port(), ((c.header[26] & 0xFF) << 8) | (c.header[27] & 0xFF), "destination port");
    }

    @Test
    void notGrantedTheSampleBuildsTheHeaderFromTheOriginalClientsAddresses() throws Exception {
        byte[] record = v2WithTlvs("203.0.113.8", 40_001, "198.51.100.1", 443);
        String r = get("127.0.0.1", denied.port(), record, null);
        RecordingUpstream.Conn c = connectionOf(r);
        assertNotNull(c.header);
        assertFalse(java.util.Arrays.equals(record, c.header), "not granted: the raw record is not passed on");
        assertEquals(16 + 12, c.header.length, "a header of the sample's own, without the balancer's TLVs");
        assertEquals("203.0.113.8:40001", c.source, "REMOTE_ADDR/PORT: the original client all the same");
    }

    @Test
    void behindARealHaproxyWithSendProxyV2TheUpstreamSeesTheOriginalClient() throws Exception {
        Path haproxy = Path.of("/usr/sbin/haproxy");
        assertTrue(Files.isExecutable(haproxy), "haproxy is missing: ./test.sh installs it");
        int front;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            front = s.getLocalPort();
        }
        Path cfg = Files.createDirectories(dir.resolve("haproxy")).resolve("haproxy.cfg");
        Files.writeString(cfg, """
                global
                  maxconn 256
                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                frontend fe
                  bind 127.0.0.1:%d
                  default_backend be
                backend be
                  server hse 127.0.0.1:%d send-proxy-v2 proxy-v2-options authority,unique-id
                """.formatted(front, proxied.port()));
        Path log = cfg.resolveSibling("haproxy.out");
        Process p = new ProcessBuilder(haproxy.toString(), "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            int port = front;
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                assertTrue(p.isAlive(), () -> "haproxy exited: " + read(log));
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoLinger(true, 0);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            Socket[] client = new Socket[1];
            RecordingUpstream.Conn c = connectionOf(get("127.0.0.2", front, new byte[0], client));
            assertEquals("127.0.0.2:" + client[0].getLocalPort(), c.source, "the client behind HAProxy");
            assertEquals(0x21, c.header[12], "HAProxy's v2 PROXY header, passed on");
            assertEquals(front, ((c.header[26] & 0xFF) << 8) | (c.header[27] & 0xFF),
                    "its destination is HAProxy's frontend: HAProxy's record, not one hse4j built");
        } finally {
            p.toHandle().destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
