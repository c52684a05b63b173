package dev.hse4j.server.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.RedirectRecordExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.ServerProcess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a farm of three hse4j processes behind a real HAProxy (round robin, health checks on
 * /hse/ready, {@code send-proxy-v2}: the nodes require the PROXY header from trusted proxies only, and
 * HAProxy's health checks send it too, as a v2 LOCAL command) under a steady load. The nodes see the
 * original client, not HAProxy: HAProxy connects to them from 127.0.0.3, a client from 127.0.0.2 gets
 * {@code REMOTE_ADDR=127.0.0.2} back, and every request of the load is in the nodes' access logs under the load
 * client's address. A rolling replacement of an extension jar node by node fails no request and ends with the
 * same jar SHA-256 on every node; SIGTERM to a node and its restart fail no request; SIGKILL of a node costs a
 * bounded number of failures (counted and printed).
 */
class FarmIT {

    static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    /** The address HAProxy connects to the nodes from ({@code source}): not the load clients' 127.0.0.1. */
    static final String BALANCER = "127.0.0.3";
    /** A client of its own address, whose requests must reach the nodes with it as REMOTE_ADDR. */
    static final String CLIENT = "127.0.0.2";

    @TempDir
    Path tmp;

    final ObjectMapper json = new ObjectMapper();
    final List<ServerProcess> processes = new ArrayList<>();

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    /**
     * One node: its own directory (extensions, work, access log), fixed ports so a restart comes back where
     * HAProxy looks. Its public port requires PROXY headers, so the test reads its status on the admin port.
     */
    record Node(String name, Path dir, int port, int adminPort) {
        URI admin() {
            return URI.create("http://127.0.0.1:" + adminPort + "/");
        }

        Path accessLog() {
            return dir.resolve("access.log");
        }
    }

    ServerProcess start(Node n) throws Exception {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", String.valueOf(n.port()),
                "--no-https", "--access-log", n.accessLog().toString(), "--scan-interval-ms", "200",
                "--grace-period", "1.5", "--shutdown-timeout", "15",
                "--proxy-protocol", "http", "--trusted-proxies", "127.0.0.0/8",
                "--admin-port", String.valueOf(n.adminPort())));
        ServerProcess p = ServerProcess.start(n.dir(), Map.of(), List.of(), args.toArray(String[]::new));
        processes.add(p);
        p.awaitReady();
        return p;
    }

    /** A steady load through HAProxy: a few clients, back to back, counting what failed and why. */
    final class Load implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Map<String, Integer> reasons = new ConcurrentHashMap<>();
        final List<Thread> threads = new ArrayList<>();

        Load(URI url, int clients) {
            for (int i = 0; i < clients; i++) {
                Thread t = new Thread(() -> {
                    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3); // bounded whatever happens
                    while (!stop.get() && System.nanoTime() < end) {
                        try {
                            HttpResponse<String> r = c.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200 && r.body().contains("Hello")) {
                                ok.incrementAndGet();
                            } else {
                                fail("HTTP " + r.statusCode());
                            }
                        } catch (Exception e) {
                            fail(e.getClass().getSimpleName());
                        }
                    }
                }, "farm-load-" + i);
                t.start();
                threads.add(t);
            }
        }

        void fail(String reason) {
            failed.incrementAndGet();
            reasons.merge(reason, 1, Integer::sum);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }

        String summary() {
            return ok.get() + " ok, " + failed.get() + " failed " + reasons;
        }
    }

    /** @return HAProxy's view of each server: name → status (UP, DOWN...) from its CSV stats */
    Map<String, String> haproxyStatus(int statsPort) throws Exception {
        String csv = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + statsPort + "/stats;csv")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, String> out = new ConcurrentHashMap<>();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",", -1);
            if (f.length > 17 && f[0].equals("nodes") && f[1].startsWith("n")) {
                out.put(f[1], f[17]);
            }
        }
        return out;
    }

    JsonNode status(Node n) throws Exception {
        return json.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(n.admin().resolve("hse/status.json"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    String servingSha(Node n) throws Exception {
        for (JsonNode e : status(n).get("extensions")) {
            if (e.get("name").asText().equals("app") && e.get("state").asText().equals("ACTIVE")) {
                return e.get("sha256").asText();
            }
        }
        return "";
    }

    /** A request through HAProxy from a socket bound to {@code from}: @return the whole response */
    static String getFrom(String from, int port, String path) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: farm\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void rollingReplacementAndSigtermFailNothingAndSigkillIsBounded() throws Exception {
        assertTrue(Files.isExecutable(HAPROXY), "Debian's haproxy is a test peer (./test.sh installs it)");
        Path v1 = Files.copy(FixtureJars.sample("hello"), tmp.resolve("app-v1.jar"));
        Path v2 = Files.copy(v1, tmp.resolve("app-v2.jar"));
        try (FileSystem zip = FileSystems.newFileSystem(v2)) { // the same extension, another build: another hash
            Files.writeString(zip.getPath("/build.txt"), "v2\n", StandardCharsets.UTF_8);
        }
        String sha1 = sha256(v1);
        String sha2 = sha256(v2);
        assertTrue(!sha1.equals(sha2));

        Path records = FixtureJars.jarOf(tmp.resolve("fixtures/records.jar"), RedirectRecordExtension.class);
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Path dir = Files.createDirectories(tmp.resolve("n" + i + "/extensions")).getParent();
            Files.copy(v1, dir.resolve("extensions/app.jar"));
            Files.copy(records, dir.resolve("extensions/records.jar"));
            nodes.add(new Node("n" + i, dir, freePort(), freePort()));
        }
        List<ServerProcess> running = new ArrayList<>();
        Process haproxy = null;
        try {
            for (Node n : nodes) {
                running.add(start(n));
            }
            int front = freePort();
            int stats = freePort();
            StringBuilder servers = new StringBuilder();
            for (Node n : nodes) {
                servers.append("  server ").append(n.name()).append(" 127.0.0.1:").append(n.port()).append(" check\n");
            }
            Path cfg = Files.writeString(tmp.resolve("haproxy.cfg"), """
                    global
                      maxconn 2000
                    defaults
                      mode http
                      timeout connect 2s
                      timeout client 30s
                      timeout server 30s
                      timeout check 2s
                      retries 3
                      option redispatch 1
                      retry-on conn-failure empty-response response-timeout 502 503
                    frontend fe
                      bind 127.0.0.1:%d
                      default_backend nodes
                    listen stats
                      bind 127.0.0.1:%d
                      stats enable
                      stats uri /stats
                    backend nodes
                      balance roundrobin
                      option httpchk
                      http-check send meth GET uri /hse/ready ver HTTP/1.1 hdr Host hse4j
                      http-check expect status 200
                      source %s
                      default-server inter 250ms fastinter 250ms downinter 250ms fall 1 rise 2 send-proxy-v2 check-send-proxy
                    %s""".formatted(front, stats, BALANCER, servers));
            haproxy = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("haproxy.log").toFile()).start();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> haproxyStatus(stats).values().stream().filter("UP"::equals).count() == 3);
            URI url = URI.create("http://127.0.0.1:" + front + "/ext/app");

            // 0. The nodes see the original client: one request per node (round robin) from CLIENT's address.
            for (int i = 0; i < nodes.size(); i++) {
                String report = getFrom(CLIENT, front, "/ext/records");
                assertTrue(report.startsWith("HTTP/1.1 200"), report);
                assertTrue(report.contains("\nREMOTE_ADDR=" + CLIENT + "\n"), report);
                assertTrue(report.contains("\nPROXY_ADDR=" + BALANCER + "\n"), "the balancer as the proxy: " + report);
            }

            // 1. Rolling replacement of the jar, node by node, under load: nothing fails.
            try (Load load = new Load(url, 4)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 50);
                for (Node n : nodes) {
                    Path hidden = n.dir().resolve("extensions/.app.jar");
                    Files.copy(v2, hidden);
                    Files.move(hidden, n.dir().resolve("extensions/app.jar"), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    await().atMost(Duration.ofSeconds(20)).until(() -> servingSha(n).equals(sha2));
                    long before = load.ok.get();
                    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > before + 30);
                }
                load.close();
                System.out.println("farm rolling replacement: " + load.summary());
                assertEquals(0, load.failed.get(), load.summary());
                assertTrue(load.ok.get() > 100, load.summary());
            }
            for (Node n : nodes) {
                assertEquals(sha2, servingSha(n), n.name() + " converged on the new jar");
                // Everything came with a v2 header: the traffic as PROXY, HAProxy's health checks as LOCAL.
                JsonNode c = status(n).at("/proxyProtocol/counters");
                assertTrue(c.get("acceptedV2").asLong() > 0, n.name() + ": " + c);
                assertTrue(c.get("acceptedLocal").asLong() > 0, n.name() + " health checks: " + c);
                assertEquals(0, c.get("acceptedV1").asLong(), n.name() + ": " + c);
                c.get("rejected").fields().forEachRemaining(r -> assertEquals(0, r.getValue().asLong(),
                        n.name() + " refused nothing: " + c));
            }

            // 2. SIGTERM to a node (drain: 503 on /hse/ready, grace, then stop), then start it again.
            try (Load load = new Load(url, 4)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 50);
                ServerProcess n2 = running.get(1);
                n2.sigterm();
                assertEquals(0, n2.awaitExit(Duration.ofSeconds(60)), n2.output());
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                        .until(() -> !"UP".equals(haproxyStatus(stats).get("n2")));
                long during = load.ok.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > during + 50);
                running.set(1, start(nodes.get(1)));
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> "UP".equals(haproxyStatus(stats).get("n2")));
                long after = load.ok.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > after + 50);
                load.close();
                System.out.println("farm SIGTERM + restart: " + load.summary());
                assertEquals(0, load.failed.get(), load.summary());
            }

            // 3. SIGKILL: no drain at all; HAProxy's retries and health checks bound the damage.
            try (Load load = new Load(url, 4)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 50);
                running.get(2).sigkill();
                running.get(2).awaitExit(Duration.ofSeconds(20));
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                        .until(() -> !"UP".equals(haproxyStatus(stats).get("n3")));
                long during = load.ok.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > during + 100);
                load.close();
                String figure = "farm SIGKILL of 1 of 3 nodes: " + load.summary();
                System.out.println(figure);
                Files.writeString(Path.of("target", "farm-sigkill.txt"), figure + "\n");
                assertTrue(load.failed.get() <= 20, "HAProxy's retries bound the failures: " + load.summary());
            }

            // Every request under /ext/ is logged with the client's address, never HAProxy's: the load's from
            // 127.0.0.1 (on every node, the one restarted too), the probe's from CLIENT.
            for (Node n : nodes) {
                List<String> ext = Files.readAllLines(n.accessLog()).stream().filter(l -> l.contains(" /ext/")).toList();
                assertTrue(ext.stream().anyMatch(l -> l.startsWith("127.0.0.1 ") && l.contains("GET /ext/app ")),
                        n.name() + " logged the load client");
                for (String l : ext) {
                    assertTrue(l.startsWith("127.0.0.1 ") || l.startsWith(CLIENT + " ") && l.contains("/ext/records"),
                            n.name() + ": " + l);
                }
            }
        } finally {
            if (haproxy != null) {
                haproxy.destroy();
                if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                    haproxy.destroyForcibly();
                }
            }
            for (ServerProcess p : processes) {
                p.close();
            }
        }
    }
}
