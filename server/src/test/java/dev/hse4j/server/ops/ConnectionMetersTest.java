package dev.hse4j.server.ops;

import static dev.hse4j.server.ops.MetricsTest.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.OutboundHolderExtension;
import dev.hse4j.fixtures.SsfProbeExtension;
import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.config.OpsConfig;
import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.config.ProxyConfig;
import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.proxy.ProxyV2;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issues 13 and 15: the connection layers and the extensions' health reports as Prometheus meters, each moved
 * by a real connection and read back from a real scrape of {@code /hse/metrics}: admission verdicts and
 * refusals by reason, PROXY refusals by reason (untrusted peer, no header, bad CRC, malformed, timeout) and
 * accepted headers, outbound connections opened/active/failed by Winsock code, HSE_REQ_REPORT_UNHEALTHY as a
 * gauge, and one TLS socket counted once by Jetty's connection meters.
 */
class ConnectionMetersTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** A scrape over a connection of its own (HTTP/1.0, closed after), so no pooled connection skews counts. */
    static String scrape(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /hse/metrics HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(r.startsWith("HTTP/1.1 200"), r.lines().findFirst().orElse(""));
            return r.substring(r.indexOf("\r\n\r\n") + 4);
        }
    }

    /** @return the scrape's hse4j and Jetty connection samples, for failure messages (not the histograms) */
    static String brief(String scrape) {
        StringBuilder b = new StringBuilder();
        scrape.lines().filter(l -> (l.startsWith("hse4j_") || l.startsWith("jetty_connections")) && !l.contains("_bucket"))
                .forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }

    /** Scrapes until {@code done} holds; fails with the last scrape's own samples. */
    static String awaitScrape(int port, Predicate<String> done) {
        AtomicReference<String> last = new AtomicReference<>("");
        try {
            await().atMost(WAIT).until(() -> {
                last.set(scrape(port));
                return done.test(last.get());
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not reached within " + WAIT + "; last scrape:\n" + brief(last.get()));
        }
        return last.get();
    }

    /** Connects from {@code from} and returns what the server does: -1 on close or reset, else the first byte. */
    private static int connectFrom(String from, int port, byte[] send) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.setSoTimeout(10_000);
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000); // an RST may beat connect's return
                if (send != null) {
                    s.getOutputStream().write(send);
                }
                return s.getInputStream().read();
            } catch (IOException reset) {
                return -1;
            }
        }
    }

    private static final byte[] HELLO = "GET /ext/ssf?op=echo HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void admissionVerdictsOutboundConnectionsAndUnhealthyReports() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String live = "127.0.0.1:" + peer.getLocalPort();
            String dead = "127.0.0.1:" + closed.getLocalPort();
            closed.close(); // nothing listens there: connects are refused (WSAECONNREFUSED)
            Path holder = FixtureJars.jarOf(tmp.resolve("fx/holder.jar"), OutboundHolderExtension.class);
            Path refused = tmp.resolve("fx/refused.jar");
            Files.copy(holder, refused);
            try (TestServer s = TestServer.builder(Files.createDirectories(tmp.resolve("srv")))
                    .jar(holder).jar(refused)
                    .jar(FixtureJars.jarOf(tmp.resolve("fx/ssf.jar"), SsfProbeExtension.class))
                    .config(b -> b.drainTimeout(Duration.ofSeconds(5)).ops(OpsConfig.defaults().withAdminPort(0))
                            .admission(AdmissionConfig.none().withMaxConnectionsPerIp(1)
                                    .withLists(List.of(), List.of("127.0.0.3/32")))
                            .outbound(OutboundConfig.defaults().withConnectTimeout(Duration.ofSeconds(5))
                                    .withAllowFor("holder", live).withSetting("holder", "target", live)
                                    .withAllowFor("refused", dead).withSetting("refused", "target", dead)))
                    .start()) {
                int port = s.port();
                int admin = s.server().ops().adminPort(); // scrapes there: admission does not judge that port
                // Outbound: the holder opens three connections to the peer and keeps them; the other one's
                // three connects are refused.
                List<Socket> held = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) {
                        held.add(peer.accept());
                    }
                    String m = awaitScrape(admin, t ->
                            value(t, "hse4j_outbound_connections_failed_total{code=\"10061\",error=\"WSAECONNREFUSED\"}") == 3.0
                                    && value(t, "hse4j_outbound_connections_active") == 3.0);
                    assertEquals(6.0, value(m, "hse4j_outbound_connections_opened_total"), brief(m));
                    assertEquals(6.0, value(m, "hse4j_outbound_connections_handles"), "the failed ones are not closed yet");
                    // Unloading the extensions closes every connection they left open.
                    Files.delete(s.extensionsDir().resolve("holder.jar"));
                    Files.delete(s.extensionsDir().resolve("refused.jar"));
                    awaitScrape(admin, t -> value(t, "hse4j_outbound_connections_active") == 0.0
                            && value(t, "hse4j_outbound_connections_handles") == 0.0);
                    assertEquals(0.0, value(m, "hse4j_outbound_connections_denied_total"), brief(m));
                } finally {
                    for (Socket h : held) {
                        h.close();
                    }
                }

                // Admission: a denied address is reset; a second connection from one address over its limit is too.
                String before = scrape(admin);
                double accepted = value(before, "hse4j_admission_verdicts_total{verdict=\"accept\"}");
                double refusedNow = value(before, "hse4j_admission_verdicts_total{verdict=\"refuse\"}");
                assertEquals(-1, connectFrom("127.0.0.3", port, HELLO), "the denied address gets no answer");
                try (Socket first = new Socket()) {
                    first.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
                    first.connect(new InetSocketAddress("127.0.0.1", port));
                    // The kernel completes the handshake before the server accepts: wait for the verdict.
                    await().atMost(WAIT).until(() -> s.server().admission().stats().accepted() == accepted + 1);
                    assertEquals(-1, connectFrom("127.0.0.2", port, HELLO), "the second connection from .2 is reset");
                    String m = scrape(admin);
                    assertEquals(refusedNow + 2, value(m, "hse4j_admission_verdicts_total{verdict=\"refuse\"}"), brief(m));
                    assertEquals(1.0, value(m, "hse4j_admission_refusals_total{reason=\"deny\",verdict=\"refuse\"}"), brief(m));
                    assertEquals(1.0, value(m,
                            "hse4j_admission_refusals_total{reason=\"max-connections-per-ip\",verdict=\"refuse\"}"), brief(m));
                    assertEquals(accepted + 1, value(m, "hse4j_admission_verdicts_total{verdict=\"accept\"}"),
                            "the first connection from .2\n" + brief(m));
                    assertEquals(0.0, value(m, "hse4j_admission_verdicts_total{verdict=\"insufficient_resources\"}"), brief(m));
                }

                // HSE_REQ_REPORT_UNHEALTHY: 0 until the extension reports, then 1, with the number of reports.
                String m = scrape(admin);
                assertEquals(0.0, value(m, "hse4j_extension_unhealthy{extension=\"ssf\"}"), brief(m));
                assertEquals(-1.0, value(m, "hse4j_extension_unhealthy{extension=\"holder\"}"), "unloaded: gone");
                for (String from : new String[] {"127.0.0.4", "127.0.0.5"}) { // one connection per address
                    assertEquals('H', connectFrom(from, port,
                            "GET /ext/ssf?op=unhealthy HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                }
                m = scrape(admin);
                assertEquals(1.0, value(m, "hse4j_extension_unhealthy{extension=\"ssf\"}"), brief(m));
                assertEquals(2.0, value(m, "hse4j_extension_unhealthy_reports{extension=\"ssf\"}"), brief(m));
            }
        }
    }

    @Test
    void proxyRefusalsByReasonAndAcceptedHeaders() throws Exception {
        try (TestServer s = TestServer.builder(tmp)
                .config(b -> b.proxy(new ProxyConfig(Set.of(ProxyConfig.Listener.HTTP), List.of("127.0.0.1"),
                                Duration.ofMillis(500), ProxyConfig.DEFAULT_MAX_HEADER_BYTES))
                        .ops(OpsConfig.defaults().withAdminPort(0))).start()) {
            int port = s.port();
            int admin = s.server().ops().adminPort();
            String m = scrape(admin);
            for (String r : new String[] {"untrusted", "no_header", "malformed", "bad_crc", "oversized", "timeout", "truncated"}) {
                assertEquals(0.0, value(m, "hse4j_proxy_refused_total{reason=\"" + r + "\"}"), r + "\n" + brief(m));
            }
            InetSocketAddress src = new InetSocketAddress(InetAddress.getByName("192.0.2.9"), 1000);
            InetSocketAddress dst = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 80);

            assertEquals(-1, connectFrom("127.0.0.2", port, HELLO), "not a trusted proxy: reset");
            assertEquals(-1, connectFrom("127.0.0.1", port, HELLO), "no PROXY header");
            byte[] badCrc = ProxyV2.proxy().tcp(src, dst).crc32c().build();
            badCrc[16] ^= 1;
            assertEquals(-1, connectFrom("127.0.0.1", port, badCrc), "a forged header whose CRC does not match");
            assertEquals(-1, connectFrom("127.0.0.1", port,
                    "PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n".getBytes(StandardCharsets.US_ASCII)), "a port out of range");
            assertEquals(-1, connectFrom("127.0.0.1", port, null), "nothing sent within the header timeout");
            // Accepted: a v2 LOCAL header (a balancer's health check) and a v1 one, each followed by a request.
            for (byte[] header : List.of(ProxyV2.local().build(), ProxyV2.v1(src, dst))) {
                byte[] both = new byte[header.length + HELLO.length];
                System.arraycopy(header, 0, both, 0, header.length);
                System.arraycopy(HELLO, 0, both, header.length, HELLO.length);
                assertEquals('H', connectFrom("127.0.0.1", port, both));
            }

            String httpClosed = "jetty_connections_request_seconds_count{connector_name=\"http\"";
            m = awaitScrape(admin, t -> value(t, "hse4j_proxy_refused_total{reason=\"timeout\"}") == 1.0
                    && value(t, httpClosed) >= 2);
            // Jetty's meters count the two sockets that carried HTTP once each, not the header stage before it,
            // nor the refused ones (those are in hse4j_proxy_refused_total).
            assertEquals(2.0, value(m, httpClosed), brief(m));
            for (String r : new String[] {"untrusted", "no_header", "malformed", "bad_crc"}) {
                assertEquals(1.0, value(m, "hse4j_proxy_refused_total{reason=\"" + r + "\"}"), r + "\n" + brief(m));
            }
            assertEquals(0.0, value(m, "hse4j_proxy_refused_total{reason=\"oversized\"}"), brief(m));
            assertEquals(1.0, value(m, "hse4j_proxy_accepted_total{header=\"local\"}"), brief(m));
            assertEquals(1.0, value(m, "hse4j_proxy_accepted_total{header=\"v1\"}"), brief(m));
            assertEquals(0.0, value(m, "hse4j_proxy_accepted_total{header=\"v2\"}"), brief(m));
        }
    }

    @Test
    void oneTlsConnectionIsCountedOnce() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("hello")
                .config(b -> b.tls(TlsConfig.builder().port(0).build())).start()) {
            SSLContext ctx = s.trustingTls();
            String https = "jetty_connections_current_connections{connector_name=\"https\"";
            String closedHttps = "jetty_connections_request_seconds_count{connector_name=\"https\"";
            assertEquals(0.0, value(scrape(s.port()), https));
            try (SSLSocket c = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", s.server().httpsPort())) {
                c.setSoTimeout(10_000);
                c.getOutputStream().write("GET /ext/hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = c.getInputStream();
                byte[] head = in.readNBytes(12);
                assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
                // The socket is still open (keep-alive): one connection, not one per protocol layer on it.
                String m = scrape(s.port());
                assertEquals(1.0, value(m, https), brief(m));
                assertTrue(value(m, closedHttps) <= 0, "none closed yet\n" + brief(m)); // absent until the first
            }
            String m = awaitScrape(s.port(), t -> value(t, https) == 0.0);
            assertEquals(1.0, value(m, closedHttps), "one TLS socket, one connection counted\n" + brief(m));
        }
    }
}
