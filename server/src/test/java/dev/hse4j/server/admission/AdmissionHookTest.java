package dev.hse4j.server.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.deploy.HookDeployment;
import dev.hse4j.server.testing.LogCapture;
import dev.hse4j.server.testing.TestServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admission hook's three verdicts and its failure modes, over real sockets. */
class AdmissionHookTest {

    private static final Pattern CTX = Pattern.compile("version=(\\S+) n=(\\d+) id=(\\d+) var=(.*)");

    @TempDir
    Path tmp;

    private TestServer start(java.util.function.UnaryOperator<dev.hse4j.server.config.ServerConfig.Builder> t)
            throws Exception {
        Path hook = HookFixtures.hookJar(tmp.resolve("build/hook.jar"), "v1");
        Path ctx = HookFixtures.contextJar(tmp.resolve("build/ctx.jar"));
        TestServer s = TestServer.builder(tmp.resolve("server")).jar(hook).jar(ctx)
                .config(b -> t.apply(b.admission(AdmissionConfig.defaults()))).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> s.server().admission().hooks().active().size() == 1);
        return s;
    }

    private static HookDeployment hook(TestServer s) {
        return s.server().admission().hooks().active().get(0);
    }

    @Test
    void refuseResetsWithoutReadingTheRequest() throws Exception {
        try (TestServer s = start(b -> b)) {
            try (Peer p = Peer.connect("127.0.0.2", s.port())) {
                // Sent before the verdict (the hook takes 20 ms): the bytes sit unread in the server's buffer.
                p.send("GET /ext/ctx HTTP/1.1\r\nHost: t\r\n\r\n");
                p.assertReset();
            }
            assertEquals(1, s.server().admission().stats().byReason("refuse:hook"));
            assertEquals(0, s.server().stats().requests(), "no request was parsed");
            try (Peer ok = Peer.connect("127.0.0.1", s.port())) {
                assertTrue(ok.get("/ext/ctx").body().startsWith("version=v1 n=1"));
            }
        }
    }

    @Test
    void insufficientResourcesClosesGracefullyAndPausesAccepting() throws Exception {
        try (TestServer s = start(b -> b)) {
            try (Peer p = Peer.connect("127.0.0.3", s.port())) {
                p.assertClosedGracefully();
            }
            AdmissionStats st = s.server().admission().stats();
            assertEquals(1, st.byReason("insufficient:hook"));
            assertEquals(1, st.pauses());
            // The pause is brief: another client is served right after it.
            try (Peer ok = Peer.connect("127.0.0.1", s.port())) {
                ok.soTimeout(5_000);
                assertTrue(ok.get("/ext/ctx").body().startsWith("version=v1"));
            }
        }
    }

    @Test
    void acceptContextIsOneObjectPerConnectionOverKeepAlive() throws Exception {
        try (TestServer s = start(b -> b)) {
            String id;
            try (Peer p = Peer.connect("127.0.0.1", s.port())) {
                Matcher m1 = ctx(p.get("/ext/ctx").body());
                Matcher m2 = ctx(p.get("/ext/ctx").body());
                Matcher m3 = ctx(p.get("/ext/ctx").body());
                assertEquals(List.of("1", "2", "3"), List.of(m1.group(2), m2.group(2), m3.group(2)),
                        "one counter, so one object, over the 3 requests");
                id = m1.group(3);
                assertEquals(id, m3.group(3));
                assertTrue(m3.group(4).contains("requests=3") && m3.group(4).contains("version=v1"), m3.group(4));
            }
            try (Peer other = Peer.connect("127.0.0.1", s.port())) {
                Matcher m = ctx(other.get("/ext/ctx").body());
                assertEquals("1", m.group(2), "another connection, another context");
                assertNotEquals(id, m.group(3));
            }
        }
    }

    @Test
    void acceptContextIsSharedByTheStreamsOfOneHttp2Connection() throws Exception {
        try (TestServer s = start(b -> b.tls(TlsConfig.builder().port(0).build()))) {
            String url = "https://127.0.0.1:" + s.server().httpsPort() + "/ext/ctx";
            // One curl, two URLs: one HTTP/2 connection, two streams.
            Process curl = new ProcessBuilder("curl", "-sSk", "--http2", "-w", " proto=%{http_version}\\n",
                    url, url).redirectErrorStream(true).start();
            assertTrue(curl.waitFor(30, TimeUnit.SECONDS), "curl did not finish");
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, curl.exitValue(), out);
            String[] lines = out.strip().split("\n");
            assertEquals(2, lines.length, out);
            Matcher a = ctx(lines[0].replace(" proto=2", ""));
            Matcher b = ctx(lines[1].replace(" proto=2", ""));
            assertTrue(lines[0].endsWith("proto=2") && lines[1].endsWith("proto=2"), out);
            assertEquals("1", a.group(2));
            assertEquals("2", b.group(2), "the second stream sees the counter the first one moved");
            assertEquals(a.group(3), b.group(3));
            assertTrue(a.group(4).contains("listener=https"), a.group(4));
        }
    }

    @Test
    void aThrowingOrNullHookCountsAsInsufficientResourcesAndIsLoggedWithItsJar() throws Exception {
        try (TestServer s = start(b -> b); LogCapture log = new LogCapture()) {
            try (Peer p = Peer.connect("127.0.0.4", s.port())) {
                p.assertClosedGracefully();
            }
            try (Peer p = Peer.connect("127.0.0.5", s.port())) {
                p.assertClosedGracefully();
            }
            AdmissionStats st = s.server().admission().stats();
            assertEquals(2, st.byReason("insufficient:hook-failed"));
            assertEquals(2, st.hookCounters(hook(s).name()).failed());
            await().atMost(Duration.ofSeconds(5)).until(() -> log.text().contains("no verdict today"));
            assertTrue(log.text().contains("admission hook fx.ByAddressHook from hook.jar threw"), log.text());
            // Both were logged at once: failures are rate-limited per hook, but the first of each kind shows.
            assertFalse(log.text().contains("answered null"), "the second failure within 10 s is not logged");
            try (Peer ok = Peer.connect("127.0.0.1", s.port())) {
                assertTrue(ok.get("/ext/ctx").body().startsWith("version=v1"), "the server serves everyone else");
            }
        }
    }

    @Test
    void aSlowHookIsWarnedAboutAndStillDecides() throws Exception {
        try (TestServer s = start(b -> b); LogCapture log = new LogCapture()) {
            try (Peer p = Peer.connect("127.0.0.6", s.port())) {
                assertTrue(p.get("/ext/ctx").body().startsWith("version=v1 n=1"), "accepted after 50 ms");
            }
            assertEquals(1, s.server().admission().stats().hookCounters(hook(s).name()).slow());
            assertTrue(log.text().matches("(?s).*admission hook fx.ByAddressHook from hook.jar took [0-9.]+ ms.*"),
                    log.text());
        }
    }

    @Test
    void closeNotificationArrivesExactlyOncePerAcceptedConnectionAlsoOnReset() throws Exception {
        try (TestServer s = start(b -> b)) {
            HookDeployment h = hook(s);
            List<Peer> peers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Peer p = Peer.connect(i % 2 == 0 ? "127.0.0.1" : "127.0.0.7", s.port());
                p.assertServed();
                peers.add(p);
            }
            for (int i = 0; i < peers.size(); i++) {
                Peer p = peers.get(i);
                if (i % 3 == 0) {
                    p.socket().setSoLinger(true, 0); // the client resets
                    p.close();
                } else if (i % 3 == 1) {
                    p.close(); // the client closes
                } else {
                    p.send("GET /hse/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"); // the server closes
                    assertEquals(200, p.read().status());
                    p.close();
                }
            }
            // A refused one and an insufficient one were never accepted: no notification for them.
            try (Peer r = Peer.connect("127.0.0.2", s.port()); Peer i = Peer.connect("127.0.0.3", s.port())) {
                r.assertReset();
                i.assertClosedGracefully();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> HookFixtures.closes(h).size() == 12);
            Map<Long, Integer> closes = HookFixtures.closes(h);
            assertEquals(HookFixtures.accepted(h), closes.keySet(), "one per accepted connection");
            closes.forEach((id, n) -> assertEquals(1, n, "connection " + id + " notified " + n + " times"));
            assertEquals(12, s.server().admission().stats().closedConnections());
        }
    }

    private static Matcher ctx(String body) {
        Matcher m = CTX.matcher(body.strip());
        assertTrue(m.matches(), "not a context answer: " + body);
        return m;
    }
}
