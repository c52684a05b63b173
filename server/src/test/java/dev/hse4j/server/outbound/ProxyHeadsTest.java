package dev.hse4j.server.outbound;

import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code proxy} sample's translation of heads, through real sockets against a scripted upstream: the
 * request goes up with the path below the mount and without hop-by-hop headers; the response comes down
 * with its status and reason, its own headers, without the upstream's hop-by-hop headers and Date, with
 * a chunked body decoded (a Content-Length beside it ignored) and no body for 204 or HEAD. An upstream
 * given by name is looked up (on the sample's own lookup thread) and serves as well.
 */
class ProxyHeadsTest {

    @TempDir
    static Path dir;
    static ScriptedUpstream upstream;
    static TestServer hse;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = new ScriptedUpstream();
        String up = "127.0.0.1:" + upstream.server.getLocalPort();
        hse = TestServer.builder(Files.createDirectories(dir.resolve("hse"))).samples("proxy")
                .config(b -> b.outbound(OutboundConfig.defaults().withAllowFor("proxy", up)
                        .withSetting("proxy", "upstream", up)))
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

    @Test
    void theRequestGoesUpBelowTheMountWithoutHopByHopHeaders() throws Exception {
        upstream.script("/a/b?q=1", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        try (Socket s = new Socket("127.0.0.1", hse.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET /ext/proxy/a/b?q=1 HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n"
                    + "X-Custom:  v1\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nKeep-Alive: 5\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String response = readHead(s.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
        }
        String head = upstream.heads.get("/a/b?q=1");
        assertTrue(head.startsWith("GET /a/b?q=1 HTTP/1.1\r\n"), head);
        assertTrue(head.contains("\r\nHost: t\r\n"), head);
        assertTrue(head.contains("\r\nX-Custom:") && head.contains("v1\r\n"), head);
        for (String hop : List.of("Connection", "TE", "Proxy-Connection", "Keep-Alive", "Content-Length")) {
            assertFalse(head.contains("\r\n" + hop + ":"), hop + " must not go up: " + head);
        }
    }

    @Test
    void theResponseComesDownWithItsStatusAndHeadersButNotTheHopByHopOnes() throws Exception {
        upstream.script("/created", "HTTP/1.1 201 Created Thing\r\nX-Up:  1 \r\nConnection: keep-alive\r\n"
                + "Keep-Alive: timeout=5\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\nContent-Length: 3\r\n\r\nabc");
        String head;
        try (Socket s = new Socket("127.0.0.1", hse.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET /ext/proxy/created HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            head = readHead(in);
            assertEquals("abc", new String(in.readNBytes(3), StandardCharsets.ISO_8859_1));
        }
        assertTrue(head.startsWith("HTTP/1.1 201 "), head); // (the reason phrase is the host's)
        assertTrue(head.contains("\r\nX-Up: 1\r\n"), head);
        assertTrue(head.contains("\r\nContent-Length: 3\r\n"), head);
        assertFalse(head.contains("Keep-Alive:"), head);
        assertFalse(head.contains("2001"), "hse4j's own Date, not the upstream's: " + head);
    }

    @Test
    void aChunkedResponseIsDecodedAndALengthBesideItIgnored() throws Exception {
        upstream.script("/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 999\r\n\r\n"
                + "3\r\nxyz\r\n4\r\n0123\r\n0\r\n\r\n");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/chunked")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("xyz0123", r.body());
        assertFalse(r.headers().firstValue("content-length").filter("999"::equals).isPresent(), r.headers().toString());
    }

    @Test
    void noBodyFor204OrHead() throws Exception {
        upstream.script("/none", "HTTP/1.1 204 No Content\r\nX-Up: 2\r\n\r\n");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/none")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode());
        assertEquals("2", r.headers().firstValue("x-up").orElse(""));
        upstream.script("/head", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        r = HTTP.send(HttpRequest.newBuilder(uri("/head")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
        assertTrue(upstream.heads.get("/head").startsWith("HEAD /head HTTP/1.1\r\n"), upstream.heads.get("/head"));
        // the connections stay usable: a GET after them still works
        upstream.script("/after", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!");
        assertEquals("!", HTTP.send(HttpRequest.newBuilder(uri("/after")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void anUpstreamGivenByNameIsLookedUpAndServes() throws Exception {
        upstream.script("/named", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnamed");
        String up = "localhost:" + upstream.server.getLocalPort();
        try (TestServer named = TestServer.builder(Files.createDirectories(dir.resolve("named"))).samples("proxy")
                .config(b -> b.outbound(OutboundConfig.defaults().withAllowFor("proxy", up)
                        .withSetting("proxy", "upstream", up)))
                .start()) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + named.port() + "/ext/proxy/named")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("named", r.body());
        }
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + hse.port() + "/ext/proxy" + path);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            assertTrue(c >= 0, "closed after " + b);
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * An HTTP/1.1 upstream on loopback that skips the PROXY v2 header of each connection, records each request
     * head by its target and answers with the response scripted for that target (keep-alive).
     */
    static final class ScriptedUpstream implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Map<String, String> responses = new ConcurrentHashMap<>();
        final Map<String, String> heads = new ConcurrentHashMap<>();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        final Thread acceptor = new Thread(this::accept, "scripted-upstream");

        ScriptedUpstream() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        void script(String target, String response) {
            responses.put(target, response);
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    Thread t = new Thread(() -> serve(s), "scripted-upstream-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] sig = in.readNBytes(16); // PROXY v2: signature, version/command, family, length
                in.readNBytes(((sig[14] & 0xFF) << 8) | (sig[15] & 0xFF));
                while (true) {
                    ByteArrayOutputStream h = new ByteArrayOutputStream();
                    while (!h.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        int c = in.read();
                        if (c < 0) {
                            return;
                        }
                        h.write(c);
                    }
                    String head = h.toString(StandardCharsets.ISO_8859_1);
                    String target = head.substring(head.indexOf(' ') + 1, head.indexOf(" HTTP/1.1"));
                    heads.put(target, head);
                    out.write(responses.getOrDefault(target, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException e) {
                // the proxy closed the connection
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
