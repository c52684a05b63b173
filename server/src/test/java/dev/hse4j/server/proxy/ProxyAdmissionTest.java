package dev.hse4j.server.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.RedirectDeniedExtension;
import dev.hse4j.fixtures.RedirectRecordExtension;
import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.config.ProxyConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission judges the client the PROXY header names, not the load balancer: a deny list that holds the
 * client refuses its connection (reset) although the balancer (127.0.0.1) is not denied; a client outside
 * it is served and admission counts it.
 */
class ProxyAdmissionTest {

    @Test
    void admissionJudgesTheOriginalClient(@TempDir Path dir) throws Exception {
        Path jar = FixtureJars.jarOf(dir.resolve("fixtures/records.jar"), RedirectRecordExtension.class,
                RedirectDeniedExtension.class);
        try (TestServer server = TestServer.builder(dir).jar(jar).config(b -> b
                .admission(AdmissionConfig.defaults().withLists(List.of(), List.of("203.0.113.0/24")))
                .proxy(ProxyConfig.of(Set.of(ProxyConfig.Listener.HTTP), List.of("127.0.0.1")))).start()) {
            var stats = server.server().admission().stats();
            long refused = stats.refused();
            long accepted = stats.accepted();

            InetSocketAddress dst = new InetSocketAddress(InetAddress.getByName("198.51.100.2"), 80);
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                int first;
                try {
                    s.getOutputStream().write(ProxyV2.v1(new InetSocketAddress(InetAddress.getByName("203.0.113.9"), 5000), dst));
                    // The reset may come before this second write, or before the read: either is the refusal.
                    s.getOutputStream().write("GET /ext/records HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    first = s.getInputStream().read();
                } catch (IOException reset) {
                    first = -1;
                }
                assertEquals(-1, first, "a denied client gets no response");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> stats.refused() == refused + 1);

            try (RawHttp c = new RawHttp(server.port())) {
                c.send(ProxyV2.v1(new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 5001), dst));
                Map<String, String> m = ProxySocketTest.report(c.get("/ext/records").text());
                assertEquals("198.51.100.7", m.get("REMOTE_ADDR"));
                assertEquals("1", m.get("record.version"));
            }
            assertTrue(stats.accepted() >= accepted + 1, "admitted once the header named an allowed client");
            assertEquals(2, server.server().proxy().stats().acceptedV1(), "both headers were read, the denied one too");
        }
    }
}
