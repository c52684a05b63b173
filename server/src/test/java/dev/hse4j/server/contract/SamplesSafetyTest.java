package dev.hse4j.server.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.server.testing.TestServer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The samples are what users copy (issue 8, item 3): {@code echo} streams any body in bounded memory,
 * {@code stream} bounds its chunk and allocates no buffer per request, {@code redirect} sends nowhere but
 * this site. The memory claims are tested on a server in a JVM of its own with a 64 MB heap.
 */
class SamplesSafetyTest {

    static final String HEAP = "-Xmx64m";

    @TempDir
    static Path tmp;
    static TestServer server;
    static SmallHeap small;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.withSamples(tmp.resolve("in-process"), "redirect", "stream");
        small = SmallHeap.start(tmp.resolve("small-heap"), HEAP, "echo", "stream");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (small != null) {
                small.close();
            }
        } finally {
            server.close();
        }
    }

    // ------------------------------------------------------------------ redirect

    @ParameterizedTest
    @ValueSource(strings = {
            "/%5Cevil.example/",        // /\evil.example/: browsers read it as //evil.example/
            "/%09/evil.example/",       // browsers drop the tab: //evil.example/
            "/%0A/evil.example/",
            "%2F%2Fevil.example/",
            "//evil.example/",
            "/%5C%5Cevil.example/",
            "%5C%5Cevil.example/",
            "/a%5Cb",                   // a backslash anywhere
            "http://evil.example/",
            "https:%2F%2Fevil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/a%0D%0ASet-Cookie:%20x=1",
            "/%7F",
            "/a%20b",
            "/%E2%80%AEtxt.exe",        // non-ASCII (here a right-to-left override)
            "/%zz",
            ""})
    void redirectRefusesAnythingButASameSitePath(String to) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/ext/redirect?to=" + to);
            assertEquals(400, r.status(), to);
            assertNull(r.header("location"), to);
            assertTrue(r.text().startsWith("use ?to=/a/path/on/this/site"), r.text());
        }
    }

    @ParameterizedTest
    @CsvSource({
            "/index.html, /index.html",
            "%2Fa%2Fb%3Fx%3D1%26y%3D2, /a/b?x=1&y=2",
            "/a/b%23top, /a/b#top",
            "/%2541, /%41",
            "/, /"})
    void redirectSendsASameSitePathAsItIs(String to, String location) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/ext/redirect?to=" + to);
            assertEquals(302, r.status(), to);
            assertEquals(location, r.header("location"));
        }
    }

    // ------------------------------------------------------------------ stream

    @ParameterizedTest
    @ValueSource(ints = {1024 * 1024 + 1, 4 * 1024 * 1024})
    void streamRefusesAChunkPastItsBound(int chunk) throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            RawHttp.Reply r = c.get("/ext/stream?bytes=10&chunk=" + chunk);
            assertEquals(400, r.status());
            assertTrue(r.text().contains("0 < K <= 1048576"), r.text());
        }
    }

    /**
     * 80 clients ask for 64 MB each in 1 MB writes and read nothing for a while: every response is stuck in
     * its first write. With a buffer per request that is 80 MB of heap; with the shared pattern it is none.
     */
    @Test
    void streamHoldsNoBufferPerRequest() throws Exception {
        int clients = 80;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(64 * 1024);
                s.setSoTimeout(60_000);
                s.connect(new InetSocketAddress("127.0.0.1", small.port()));
                s.getOutputStream().write(("GET /ext/stream?bytes=67108864&chunk=1048576 HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sockets.add(s);
            }
            List<InputStream> ins = new ArrayList<>();
            for (Socket s : sockets) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                Head h = Head.read(in);
                assertEquals(200, h.status, "every request is answered (an OutOfMemoryError would be a 500)");
                ins.add(in);
            }
            // Now everyone's first write is pending; read a good part of each body and check the pattern.
            for (InputStream in : ins) {
                byte[] part = in.readNBytes(3 * 1024 * 1024);
                assertEquals(3 * 1024 * 1024, part.length);
                for (int i = 0; i < part.length; i++) {
                    if (part[i] != (byte) (i % 251)) {
                        throw new AssertionError("byte " + i + " is " + part[i]);
                    }
                }
            }
        } finally {
            for (Socket s : sockets) {
                s.setSoLinger(true, 0);
                s.close();
            }
        }
        small.assertHealthy();
    }

    // ------------------------------------------------------------------ echo

    /** 200 MB, chunked, through a server with a 64 MB heap: echoed byte for byte while it streams. */
    @Test
    void echoStreamsAChunkedBodyLargerThanTheHeap() throws Exception {
        long size = 200L * 1024 * 1024;
        byte[] block = new byte[1 << 20];
        new Random(42).nextBytes(block);
        try (Socket s = new Socket("127.0.0.1", small.port())) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest d = MessageDigest.getInstance("SHA-256");
                    out.write(("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-big\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    long left = size;
                    int k = 0;
                    while (left > 0) {
                        // chunk sizes that vary, so no boundary lines up with the server's reads
                        int n = (int) Math.min(left, 40_000 + (k++ % 13) * 7_919);
                        int off = (int) ((k * 104_729L) % (block.length - n));
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(block, off, n);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        d.update(block, off, n);
                        left -= n;
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return HexFormat.of().formatHex(d.digest());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
            Head h = Head.read(in);
            assertEquals(200, h.status);
            assertEquals("application/x-big", h.header("content-type"));
            assertEquals("chunked", h.header("transfer-encoding"), "length unknown until the end: chunked");
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            long received = readChunked(in, got);
            assertEquals(size, received);
            assertEquals(sent.get(60, TimeUnit.SECONDS), HexFormat.of().formatHex(got.digest()));
        }
        small.assertHealthy();
    }

    @Test
    void echoAnswersAKnownLengthWithThatLength() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(body);
        try (RawHttp c = new RawHttp(small.port())) {
            c.send("POST /ext/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.send(body);
            RawHttp.Reply r = c.read();
            assertEquals(200, r.status());
            assertEquals(String.valueOf(body.length), r.header("content-length"));
            assertTrue(java.util.Arrays.equals(body, r.body()));
            assertEquals(200, c.get("/hse/health").status(), "the connection is kept");
        }
    }

    static long readChunked(InputStream in, MessageDigest d) throws IOException {
        long total = 0;
        byte[] buf = new byte[1 << 16];
        while (true) {
            String line = line(in);
            int size = Integer.parseInt(line.split(";")[0].trim(), 16);
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return total;
            }
            int left = size;
            while (left > 0) {
                int n = in.read(buf, 0, Math.min(buf.length, left));
                if (n < 0) {
                    throw new EOFException("body cut short after " + total);
                }
                d.update(buf, 0, n);
                left -= n;
                total += n;
            }
            line(in);
        }
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            throw new EOFException("connection closed");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** A status line and headers. */
    record Head(int status, java.util.Map<String, String> headers) {
        static Head read(InputStream in) throws IOException {
            int status = Integer.parseInt(line(in).split(" ")[1]);
            java.util.Map<String, String> h = new java.util.HashMap<>();
            String l;
            while (!(l = line(in)).isEmpty()) {
                int c = l.indexOf(':');
                h.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            return new Head(status, h);
        }

        String header(String name) {
            return headers.get(name);
        }
    }

    /** The server in its own JVM with a small heap, and what it printed. */
    static final class SmallHeap implements AutoCloseable {
        private final Process process;
        private final int port;
        private final StringBuffer output;

        private SmallHeap(Process process, int port, StringBuffer output) {
            this.process = process;
            this.port = port;
            this.output = output;
        }

        static SmallHeap start(Path dir, String heap, String... samples) throws Exception {
            Path ext = Files.createDirectories(dir.resolve("extensions"));
            for (String s : samples) {
                Files.copy(FixtureJars.sample(s), ext.resolve(s + ".jar"));
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // The heap is what is under test; direct memory (NIO's temporary copies of heap buffers) is not.
            Process p = new ProcessBuilder(java, heap, "-XX:MaxDirectMemorySize=512m", "-cp",
                    System.getProperty("java.class.path"), SmallHeapServer.class.getName(), ext.toString(),
                    dir.resolve("work").toString(), System.getProperty("hse4j.webroot", "../webroot"))
                    .redirectErrorStream(true).start();
            StringBuffer output = new StringBuffer();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Thread pump = new Thread(() -> {
                try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.append(line).append('\n');
                        if (line.startsWith("PORT ")) {
                            port.complete(Integer.parseInt(line.substring(5).trim()));
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
                port.completeExceptionally(new IllegalStateException("the server exited:\n" + output));
            }, "small-heap-output");
            pump.setDaemon(true);
            pump.start();
            return new SmallHeap(p, port.get(60, TimeUnit.SECONDS), output);
        }

        int port() {
            return port;
        }

        /** The server still answers and never ran out of memory. */
        void assertHealthy() throws IOException {
            try (RawHttp c = new RawHttp(port)) {
                assertEquals(200, c.get("/hse/health").status());
            }
            assertFalse(output.toString().contains("OutOfMemoryError"), output.toString());
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close(); // its cue to stop
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
