package dev.hse4j.server.web;

import dev.hse4j.server.deploy.Deployer;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.HostStats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /hse/status.json} (what is deployed and how it is doing, for the status page and for machines)
 * and {@code /hse/health} (liveness). Read-only: nothing here changes the server.
 */
public final class StatusHandler extends Handler.Abstract.NonBlocking {

    /** The URL prefix of the server's own endpoints. */
    public static final String PREFIX = "/hse/";

    private final ObjectMapper json = new ObjectMapper();
    private final ExtensionRegistry registry;
    private final Deployer deployer;
    private final HostStats stats;
    private final Instant startedAt = Instant.now();
    private final Supplier<ObjectNode> extra;

    /**
     * @param registry the deployments
     * @param deployer the deploy outcomes
     * @param stats the host's counters
     * @param extra more server facts (TLS, retired loaders...) merged into the document, or null
     */
    public StatusHandler(ExtensionRegistry registry, Deployer deployer, HostStats stats, Supplier<ObjectNode> extra) {
        this.registry = registry;
        this.deployer = deployer;
        this.stats = stats;
        this.extra = extra;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        switch (path) {
            case PREFIX + "status.json" -> send(response, callback, "application/json", json.createObjectNode()
                    .setAll(status()).toPrettyString());
            case PREFIX + "health" -> send(response, callback, "text/plain;charset=utf-8", "ok\n");
            default -> Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        return true;
    }

    /** @return the status document */
    public ObjectNode status() {
        ObjectNode root = json.createObjectNode();
        root.put("server", "hse4j");
        root.put("startedAt", startedAt.toString());
        root.put("now", Instant.now().toString());
        ObjectNode s = root.putObject("sessions");
        s.put("requests", stats.requests());
        s.put("live", stats.liveSessions());
        s.put("pending", stats.pendingSessions());
        s.put("errors", stats.errors());
        s.put("timeouts", stats.sessionTimeouts());
        ArrayNode exts = root.putArray("extensions");
        List<Deployment> ds = registry.active().stream().sorted(Comparator.comparing(Deployment::name)).toList();
        for (Deployment d : ds) {
            ObjectNode e = exts.addObject();
            e.put("name", d.name());
            e.put("url", "/ext/" + d.name());
            e.put("version", d.version().major() + "." + d.version().minor());
            e.put("description", d.version().description());
            e.put("state", d.state().name());
            e.put("jar", d.jar().getFileName().toString());
            e.put("deployedAt", d.deployedAt().toString());
            e.put("requests", d.requests());
            e.put("errors", d.errors());
            e.put("timeouts", d.sessionTimeouts());
            e.put("inFlight", d.inFlight());
            e.put("pending", d.pendingSessions());
        }
        ArrayNode deploys = root.putArray("deploys");
        deployer.outcomes().values().stream().sorted(Comparator.comparing(Deployer.Outcome::jar)).forEach(o -> {
            ObjectNode n = deploys.addObject();
            n.put("jar", o.jar());
            n.put("ok", o.ok());
            n.put("message", o.message());
            n.put("at", o.at().toString());
        });
        if (extra != null) {
            root.setAll(extra.get());
        }
        return root;
    }

    private static void send(Response response, Callback callback, String type, String body) {
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
    }
}
