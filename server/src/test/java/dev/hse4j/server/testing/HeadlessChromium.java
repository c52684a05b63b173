package dev.hse4j.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * A real browser for tests: Debian's headless Chromium, driven over the DevTools protocol (a WebSocket,
 * with the JDK's own client), so a test can keep one page open, watch it change, read its text and take
 * screenshots.
 *
 * <p>Chromium is found as {@code -Dhse4j.chromium=PATH}, or {@code chromium}, {@code chromium-browser} or
 * {@code google-chrome} on the PATH. If there is none, {@link #open} throws: a test that needs a browser
 * must fail, not skip, where there is none (CI installs {@code chromium}).
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path userDataDir;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path userDataDir, WebSocket socket) {
        this.process = process;
        this.userDataDir = userDataDir;
        this.socket = socket;
    }

    /** @return the Chromium executable */
    public static Path executable() {
        String configured = System.getProperty("hse4j.chromium");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("Chromium is not installed: this test needs a real browser "
                + "(Debian: apt-get install chromium; or -Dhse4j.chromium=/path/to/chromium)");
    }

    /**
     * Starts Chromium on {@code url}, at {@code width} x {@code height}.
     *
     * @param url the page to open
     * @param width viewport width
     * @param height viewport height
     * @return the browser, with one page showing {@code url}
     */
    public static HeadlessChromium open(String url, int width, int height) throws IOException {
        Path exe = executable();
        Path profile = Files.createTempDirectory("hse4j-chromium");
        List<String> cmd = new ArrayList<>(List.of(exe.toString(),
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--window-size=" + width + "," + height, url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("Chromium exited with " + p.exitValue() + ": "
                            + Files.readString(profile.resolve("chromium.log")));
                }
                return Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2;
            });
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String[] wsUrl = new String[1];
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode t : JSON.readTree(list)) {
                    if ("page".equals(t.path("type").asText())) {
                        wsUrl[0] = t.get("webSocketDebuggerUrl").asText();
                        return true;
                    }
                }
                return false;
            });
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl[0]), new WebSocket.Listener() {
                private final StringBuilder partial = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        String msg = partial.toString();
                        partial.setLength(0);
                        self[0].received(msg);
                    }
                    webSocket.request(1);
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(p, profile, ws);
            return self[0];
        } catch (Exception e) {
            p.destroyForcibly();
            deleteTree(profile);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("cannot start Chromium", e);
        }
    }

    private void received(String msg) {
        try {
            JsonNode n = JSON.readTree(msg);
            if (n.has("id")) {
                CompletableFuture<JsonNode> f = replies.remove(n.get("id").asInt());
                if (f != null) {
                    f.complete(n);
                }
            }
        } catch (IOException e) {
            // not JSON: ignore
        }
    }

    /**
     * Sends one DevTools command and waits for its result.
     *
     * @param method e.g. {@code Runtime.evaluate}
     * @param params its parameters
     * @return the {@code result} object
     */
    public JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        try {
            socket.sendText(msg.toString(), true).get(30, TimeUnit.SECONDS);
            JsonNode n = reply.get(30, TimeUnit.SECONDS);
            if (n.has("error")) {
                throw new IllegalStateException(method + " failed: " + n.get("error"));
            }
            return n.get("result");
        } catch (Exception e) {
            replies.remove(id);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(method + " failed", e);
        }
    }

    /** @return the value of a JavaScript expression in the page (JSON-able values) */
    public JsonNode eval(String expression) {
        ObjectNode p = JSON.createObjectNode();
        p.put("expression", expression);
        p.put("returnByValue", true);
        JsonNode r = call("Runtime.evaluate", p);
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("JavaScript failed: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** @return the page's visible text */
    public String text() {
        return eval("document.body ? document.body.innerText : ''").asText();
    }

    /** Saves a PNG screenshot of the viewport. @param file where @return {@code file} */
    public Path screenshot(Path file) {
        ObjectNode p = JSON.createObjectNode();
        p.put("format", "png");
        byte[] png = Base64.getDecoder().decode(call("Page.captureScreenshot", p).get("data").asText());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        try {
            call("Browser.close", null);
        } catch (RuntimeException ignored) {
            // it may close the socket before answering
        }
        socket.abort();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(userDataDir);
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // a leftover temp profile
        }
    }
}
