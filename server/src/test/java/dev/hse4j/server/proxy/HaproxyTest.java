package dev.hse4j.server.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.RedirectDeniedExtension;
import dev.hse4j.fixtures.RedirectRecordExtension;
import dev.hse4j.server.config.ProxyConfig;
import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hse4j behind a real HAProxy 2.6 on loopback, curl as the client (from 127.0.0.3, so its address differs
 * from HAProxy's 127.0.0.1):
 * <ul>
 *   <li>{@code fe_tls}: TLS terminated at HAProxy, then HTTP to hse4j's plain port with
 *       {@code send-proxy-v2} and {@code proxy-v2-options ssl,ssl-cipher,authority,unique-id,crc32c},
 *       through a relay that keeps a copy of each header; health checks on {@code /hse/health} through the
 *       v2 LOCAL command;</li>
 *   <li>{@code fe_pass}: TLS passed through ({@code mode tcp}) to hse4j's HTTPS port with
 *       {@code send-proxy-v2}: HTTP/1.1 and HTTP/2 over hse4j's own TLS.</li>
 * </ul>
 */
class HaproxyTest {

    @TempDir
    static Path dir;
    static Stack stack;

    /** hse4j, the relay and HAProxy, wired together. */
    static final class Stack implements AutoCloseable {
        final TestServer server;
        final HeaderCapturingRelay relay;
        final Haproxy haproxy;
        final int tlsPort;
        final int passPort;

        Stack(Path root, TlsConfig.Provider provider) throws Exception {
            Path jar = FixtureJars.jarOf(root.resolve("fixtures/records.jar"), RedirectRecordExtension.class,
                    RedirectDeniedExtension.class);
            server = TestServer.builder(root).jar(jar).config(b -> b
                    .tls(TlsConfig.builder().port(0).provider(provider).build())
                    .proxy(ProxyConfig.of(Set.of(ProxyConfig.Listener.HTTP, ProxyConfig.Listener.HTTPS),
                            List.of("127.0.0.1")))).start();
            relay = new HeaderCapturingRelay(server.port());
            Path pem = certificate(root);
            tlsPort = Haproxy.freePort();
            passPort = Haproxy.freePort();
            String cfg = """
                    defaults
                      timeout connect 5s
                      timeout client 30s
                      timeout server 30s

                    frontend fe_tls
                      mode http
                      bind 127.0.0.1:%d ssl crt %s
                      unique-id-format %%{+X}o\\ %%ci:%%cp_%%fi:%%fp_%%Ts_%%rt
                      default_backend be_plain

                    backend be_plain
                      mode http
                      option httpchk
                      http-check send meth GET uri /hse/health ver HTTP/1.1 hdr Host hse4j
                      http-check expect status 200
                      server hse4j 127.0.0.1:%d send-proxy-v2 proxy-v2-options ssl,ssl-cipher,authority,unique-id,crc32c check inter 250ms

                    frontend fe_pass
                      mode tcp
                      bind 127.0.0.1:%d
                      default_backend be_pass

                    backend be_pass
                      mode tcp
                      server hse4j 127.0.0.1:%d send-proxy-v2 proxy-v2-options crc32c
                    """.formatted(tlsPort, pem, relay.port(), passPort, server.server().httpsPort());
            haproxy = Haproxy.start(root, cfg, tlsPort, passPort);
            // HAProxy sends traffic to the backend once its health check (through LOCAL) has passed.
            await().atMost(Duration.ofSeconds(20)).until(() -> haproxy.serverState("be_plain", "hse4j").equals("UP,L7OK"));
        }

        @Override
        public void close() throws Exception {
            haproxy.close();
            relay.close();
            server.close();
        }
    }

    /** A self-signed certificate for {@code shop.test}, key and certificate in one PEM as HAProxy wants. */
    static Path certificate(Path root) throws Exception {
        Path key = root.resolve("haproxy.key");
        Path crt = root.resolve("haproxy.crt");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", crt.toString(), "-subj", "/CN=shop.test", "-days", "2"));
        Path pem = root.resolve("haproxy.pem");
        Files.writeString(pem, Files.readString(crt) + Files.readString(key));
        return pem;
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(cmd + " failed: " + out);
        }
        return out;
    }

    /**
     * curl from 127.0.0.3 with {@code Connection: close}; the reply's last line is curl's own local address
     * and port.
     */
    static Map<String, String> curl(String url, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-k", "--max-time", "20", "--interface", "127.0.0.3",
                "-H", "Connection: close", "-w", "\ncurl.local=%{local_ip} %{local_port}\ncurl.http=%{http_version}\n"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        return ProxySocketTest.report(run(cmd));
    }

    @BeforeAll
    static void start() throws Exception {
        stack = new Stack(dir, TlsConfig.Provider.JDK);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void healthChecksComeThroughTheLocalCommand() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> stack.haproxy.serverState("be_plain", "hse4j")
                .equals("UP,L7OK"));
        long local = stack.server.server().proxy().stats().acceptedLocal();
        await().atMost(Duration.ofSeconds(20)).until(() -> stack.server.server().proxy().stats().acceptedLocal()
                >= local + 2);
        // HAProxy wrote a 16-byte LOCAL header (v2, command 0, family UNSPEC) before each check.
        assertTrue(stack.relay.headers().stream().anyMatch(h -> h.startsWith("0d0a0d0a000d0a515549540a2000")),
                stack.relay.headers().toString());
    }

    @Test
    void tlsTerminatedAtHaproxy() throws Exception {
        int https = stack.tlsPort;
        Map<String, String> m = curl("https://shop.test:" + https + "/ext/records", "--resolve",
                "shop.test:" + https + ":127.0.0.1");
        String[] local = m.get("curl.local").split(" ");
        assertEquals("127.0.0.3", local[0]);
        assertEquals("127.0.0.3", m.get("REMOTE_ADDR"), () -> "curl's address, not HAProxy's: " + m);
        assertEquals(local[1], m.get("REMOTE_PORT"), "curl's port");
        assertEquals("127.0.0.1", m.get("PROXY_ADDR"));
        assertEquals(Integer.toString(https), m.get("SERVER_PORT"), "the port curl connected to");
        assertEquals("on", m.get("HTTPS"), "the SSL TLV says the client spoke TLS to HAProxy");
        assertEquals("1", m.get("SERVER_PORT_SECURE"));
        assertEquals("2", m.get("record.version"));
        assertEquals("PROXY", m.get("record.command"));
        assertEquals("TCP4", m.get("record.family"));
        assertEquals("shop.test", m.get("record.authority"), "the SNI curl sent");
        assertNotNull(m.get("record.uniqueId"));
        // %{+X}o writes the client's address and port in hex: the id HAProxy made for curl's connection.
        String clientHex = "7F000003:" + Integer.toHexString(Integer.parseInt(local[1])).toUpperCase(java.util.Locale.ROOT);
        assertTrue(m.get("record.uniqueId").startsWith(clientHex + "_"), m.get("record.uniqueId"));
        assertTrue(m.get("record.ssl").matches("\\d+ TLSv1\\.3 TLS_\\S+"), m.get("record.ssl"));
        String tlvs = m.get("record.tlvs");
        for (String t : List.of("02", "03", "05", "20")) {
            assertTrue(tlvs.contains(t), "TLV " + t + " in " + tlvs);
        }
        // Byte-identical to what HAProxy wrote, as the relay saw it.
        String raw = m.get("query.raw");
        assertEquals(raw, m.get("record.raw"));
        assertTrue(stack.relay.headers().contains(raw), "the relay saw " + stack.relay.headers() + ", hse4j " + raw);
        assertEquals("122 " + raw.length() / 2, m.get("query.null"));
        // Not granted: 5, same connection path.
        Map<String, String> denied = curl("https://shop.test:" + https + "/ext/norecords", "--resolve",
                "shop.test:" + https + ":127.0.0.1");
        assertEquals("ERR 5", denied.get("query"));
        assertEquals("127.0.0.3", denied.get("REMOTE_ADDR"));
    }

    @Test
    void tlsPassedThroughOnHttp11AndHttp2() throws Exception {
        passThrough(stack);
    }

    @Test
    void tlsPassedThroughWithConscrypt(@TempDir Path other) throws Exception {
        try (Stack conscrypt = new Stack(other, TlsConfig.Provider.CONSCRYPT)) {
            passThrough(conscrypt);
        }
    }

    static void passThrough(Stack s) throws Exception {
        String url = "https://127.0.0.1:" + s.passPort + "/ext/records";
        for (String version : List.of("--http1.1", "--http2")) {
            Map<String, String> m = curl(url, version);
            String[] local = m.get("curl.local").split(" ");
            assertEquals("127.0.0.3", m.get("REMOTE_ADDR"), version);
            assertEquals(local[1], m.get("REMOTE_PORT"), version);
            assertEquals("127.0.0.1", m.get("PROXY_ADDR"), version);
            assertEquals("on", m.get("HTTPS"), version);
            assertEquals(version.equals("--http2") ? "HTTP/2.0" : "HTTP/1.1", m.get("SERVER_PROTOCOL"), version);
            assertEquals(version.equals("--http2") ? "2" : "1.1", m.get("curl.http"), version);
            assertEquals("TCP4", m.get("record.family"), version);
            assertEquals("03", m.get("record.tlvs"), version + ": crc32c only");
        }
    }
}
