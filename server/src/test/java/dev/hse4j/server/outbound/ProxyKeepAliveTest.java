package dev.hse4j.server.outbound;

import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code proxy} sample keeps one upstream connection per client connection, through real sockets: the
 * requests of one keep-alive client connection share one upstream connection (one PROXY header, several
 * requests), another client connection gets another; an idle upstream connection the upstream closed is
 * replaced without the client noticing; an unused one is closed after the idle timeout.
 */
class ProxyKeepAliveTest {

    @TempDir
    static Path dir;
    static RecordingUpstream upstream;
    static TestServer hse;

    @BeforeAll
    static void start() throws Exception {
        upstream = new RecordingUpstream();
        String up = upstream.address();
        hse = TestServer.builder(Files.createDirectories(dir.resolve("hse"))).samples("proxy")
                .config(b -> b.outbound(OutboundConfig.defaults().withAllowFor("proxy", up)
                        .withSetting("proxy", "upstream", up).withSetting("proxy", "idle-timeout-ms", "1500")))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (hse != null) {
            hse.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** A keep-alive client connection from {@code from}. */
    static final class Client implements AutoCloseable {
        final Socket s = new Socket();
        final InputStream in;
        final OutputStream out;

        Client(String from) throws IOException {
            s.setSoTimeout(20_000);
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", hse.port()));
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        /** @return the body of a GET, which must be a 200 with a Content-Length */
        String get(String path) throws IOException {
            out.write(("GET /ext/proxy" + path + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertTrue(b >= 0, "closed after " + head);
                head.append((char) b);
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
            int at = head.indexOf("Content-Length: ");
            int len = Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at)));
            return new String(in.readNBytes(len), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    private static String conn(String body) {
        return body.substring(body.indexOf("conn="), body.indexOf(" req="));
    }

    @Test
    void theRequestsOfOneClientConnectionShareOneUpstreamConnection() throws Exception {
        try (Client a = new Client("127.0.0.2"); Client b = new Client("127.0.0.3")) {
            String a1 = a.get("/1");
            String a2 = a.get("/2");
            String a3 = a.get("/3");
            String b1 = b.get("/1");
            assertTrue(a1.startsWith("src=127.0.0.2:" + a.s.getLocalPort() + " "), a1);
            assertEquals(conn(a1), conn(a2));
            assertEquals(conn(a1), conn(a3));
            assertTrue(a3.endsWith(" req=3\n"), "three requests on one upstream connection: " + a3);
            assertNotEquals(conn(a1), conn(b1), "another client connection, another upstream connection");
            assertTrue(b1.startsWith("src=127.0.0.3:" + b.s.getLocalPort() + " ") && b1.endsWith(" req=1\n"), b1);
        }
    }

    @Test
    void anIdleUpstreamConnectionTheUpstreamClosedIsReplacedUnseen() throws Exception {
        try (Client a = new Client("127.0.0.4")) {
            String first = a.get("/x");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> upstream.connections().stream()
                    .anyMatch(c -> !c.closed && c.requests == 1 && c.source.startsWith("127.0.0.4:")));
            upstream.closeConnections();
            String second = a.get("/y");
            assertNotEquals(conn(first), conn(second));
            assertTrue(second.startsWith("src=127.0.0.4:" + a.s.getLocalPort() + " ") && second.endsWith(" req=1\n"), second);
        }
    }

    @Test
    void anUnusedUpstreamConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (Client a = new Client("127.0.0.5")) {
            a.get("/z");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> hse.server().outbound().openCount() == 0);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> upstream.connections().stream()
                    .filter(c -> c.source.startsWith("127.0.0.5:")).allMatch(c -> c.closed));
            String again = a.get("/z2"); // the client connection itself is still fine
            assertTrue(again.endsWith(" req=1\n"), again);
        }
    }
}
