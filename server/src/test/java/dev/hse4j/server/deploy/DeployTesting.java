package dev.hse4j.server.deploy;

import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** Small helpers shared by the hot-deployment tests. */
final class DeployTesting {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private DeployTesting() {
    }

    /** Drops {@code jar} into the server's extensions directory as {@code name}, the safe way: dot-name, rename. */
    static Path drop(TestServer ts, Path jar, String name) {
        try {
            Path tmp = ts.extensionsDir().resolve("." + name + ".tmp");
            Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
            return Files.move(tmp, ts.extensionsDir().resolve(name), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Overwrites the jar in place (truncate and write), as a careless {@code cp} does. */
    static Path overwrite(TestServer ts, Path jar, String name) {
        try {
            return Files.copy(jar, ts.extensionsDir().resolve(name), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return /hse/status.json, fetched over HTTP */
    static JsonNode status(TestServer ts) {
        HttpResponse<String> r = fetch(ts, "/hse/status.json");
        if (r.statusCode() != 200) {
            throw new AssertionError("status.json answered " + r.statusCode());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET over a plain JDK client: light and quick, so that timing assertions measure the server. */
    static HttpResponse<String> fetch(TestServer ts, String path) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ts.port() + path))
                    .timeout(java.time.Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @return the status entries of {@code name} (the active one first, then retiring ones) */
    static List<JsonNode> entries(TestServer ts, String name) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : status(ts).get("extensions")) {
            if (name.equals(e.get("name").asText())) {
                out.add(e);
            }
        }
        return out;
    }

    /** @return the status "deploys" entry of a jar file, or null */
    static JsonNode deployOf(TestServer ts, String jar) {
        for (JsonNode e : status(ts).get("deploys")) {
            if (jar.equals(e.get("jar").asText())) {
                return e;
            }
        }
        return null;
    }

    /** @return the body of GET {@code path}, or "STATUS n" if not 200 */
    static String get(TestServer ts, String path) {
        HttpResponse<String> r = fetch(ts, path);
        return r.statusCode() == 200 ? r.body().trim() : "STATUS " + r.statusCode();
    }

    /** Waits until the watcher has taken {@code n} more looks at the directory. */
    static void awaitLooks(TestServer ts, int n) {
        long target = ts.server().watcher().scans() + n;
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> ts.server().watcher().scans() >= target);
    }
}
