package dev.hse4j.servlet;

import dev.hse4j.server.host.HostStats;
import dev.hse4j.server.web.StatusHandler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The servlet's own endpoints under its base path: {@code /hse/status.json} (the same document as hse4j's own
 * server, from the same {@link StatusHandler}), {@code /hse/health}, and the status page
 * ({@code /status.html} with its {@code style.css} and {@code charts.js}, the repository's webroot files with
 * their absolute links moved under the base path). Read-only.
 */
final class StatusEndpoints {

    /** The page files served, by path. */
    private static final Map<String, String> PAGE_TYPES = Map.of(
            "/status.html", "text/html;charset=utf-8",
            "/style.css", "text/css;charset=utf-8",
            "/charts.js", "text/javascript;charset=utf-8");
    /** An absolute link of the page ('/hse/..', "/style.css", href="/"...) to move under the base path. */
    private static final Pattern ABSOLUTE = Pattern.compile("([\"'])/(hse/|ext/|style\\.css|charts\\.js|status\\.html|[\"'])");

    private final StatusHandler status;
    private final Map<String, byte[]> pages = new ConcurrentHashMap<>();

    /**
     * @param deployment the extensions
     * @param stats the host's counters
     * @param binding facts about the container, merged into the document as {@code binding}
     */
    StatusEndpoints(ExtensionDeployment deployment, HostStats stats, ObjectNode binding) {
        status = new StatusHandler(deployment.registry(), deployment.deployer(), stats, () -> {
            ObjectNode n = binding.objectNode();
            n.set("binding", binding.deepCopy());
            return n;
        });
        status.watcher(deployment.watcher());
    }

    /** @return whether {@code path} is one of these endpoints */
    static boolean claims(String path) {
        return path.startsWith(StatusHandler.PREFIX) || PAGE_TYPES.containsKey(path) || path.equals("/");
    }

    /**
     * @param path the path under the base path
     * @param base the base path (context path and servlet path), for the links
     * @param head whether to send the headers only
     * @param response where to write
     */
    void serve(String path, String base, boolean head, HttpServletResponse response) throws IOException {
        switch (path) {
            case "/" -> {
                response.setStatus(HttpServletResponse.SC_FOUND);
                response.setHeader("Location", base + "/status.html");
                response.setContentLength(0);
            }
            case StatusHandler.PREFIX + "status.json" ->
                    send(response, head, "application/json", document(base).toPrettyString()
                            .getBytes(StandardCharsets.UTF_8));
            case StatusHandler.PREFIX + "health" -> send(response, head, "text/plain;charset=utf-8",
                    "ok\n".getBytes(StandardCharsets.UTF_8));
            default -> {
                String type = PAGE_TYPES.get(path);
                if (type == null) {
                    ErrorResponses.send(response, 404, "not found");
                } else {
                    send(response, head, type, page(path, base));
                }
            }
        }
    }

    /** The status document, with the extensions' URLs under the base path. */
    ObjectNode document(String base) {
        ObjectNode root = status.status();
        JsonNode exts = root.get("extensions");
        if (exts != null) {
            for (JsonNode e : exts) {
                ((ObjectNode) e).put("url", base + e.path("url").asText());
            }
        }
        return root;
    }

    private byte[] page(String path, String base) {
        return pages.computeIfAbsent(base + path, k -> {
            try (InputStream in = StatusEndpoints.class.getResourceAsStream("page" + path)) {
                if (in == null) {
                    throw new IllegalStateException("the status page " + path + " is missing from the build");
                }
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                Matcher m = ABSOLUTE.matcher(text);
                return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + base + "/" + r.group(2)))
                        .getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void send(HttpServletResponse response, boolean head, String type, byte[] body) throws IOException {
        response.setStatus(200);
        response.setContentType(type);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        if (!head) {
            response.getOutputStream().write(body);
        }
    }
}
