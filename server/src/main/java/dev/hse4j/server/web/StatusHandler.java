package dev.hse4j.server.web;

import dev.hse4j.server.deploy.Deployer;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.DirectoryWatcher;
import dev.hse4j.server.deploy.LeakWatch;
import dev.hse4j.server.deploy.ExtensionRegistry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
    private final ServingCounts stats;
    private final Instant startedAt = Instant.now();
    private final Supplier<ObjectNode> extra;
    private volatile DirectoryWatcher watcher;
    private volatile ExtensionHealth health;

    /**
     * @param registry the deployments
     * @param deployer the deploy outcomes
     * @param stats the host's counters
     * @param extra more server facts (TLS, retired loaders...) merged into the document, or null
     */
    public StatusHandler(ExtensionRegistry registry, Deployer deployer, ServingCounts stats, Supplier<ObjectNode> extra) {
        this.registry = registry;
        this.deployer = deployer;
        this.stats = stats;
        this.extra = extra;
    }

    /** @param w the extensions-directory watcher, or {@code null} when the server does not watch */
    public void watcher(DirectoryWatcher w) {
        this.watcher = w;
    }

    /** @param h the extensions' health reports, shown as {@code health} */
    public void health(ExtensionHealth h) {
        this.health = h;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            ErrorPage.write(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "only GET and HEAD");
            return true;
        }
        switch (path) {
            case PREFIX + "status.json" -> send(response, callback, "application/json", json.createObjectNode()
                    .setAll(status()).toPrettyString());
            case PREFIX + "health" -> send(response, callback, "text/plain;charset=utf-8", "ok\n");
            default -> ErrorPage.write(request, response, callback, HttpStatus.NOT_FOUND_404, null);
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
        Map<String, Deployer.Outcome> outcomes = deployer.outcomes();
        ArrayNode exts = root.putArray("extensions");
        List<Deployment> ds = new ArrayList<>(registry.active());
        ds.sort(Comparator.comparing(Deployment::name));
        List<Deployment> retiring = new ArrayList<>(registry.retiring());
        retiring.sort(Comparator.comparing(Deployment::name).thenComparing(Deployment::retiredAt));
        ds.addAll(retiring);
        for (Deployment d : ds) {
            ObjectNode e = exts.addObject();
            e.put("name", d.name());
            e.put("url", "/ext/" + d.name());
            e.put("version", d.version().major() + "." + d.version().minor());
            e.put("implementationVersion", d.implementationVersion());
            e.put("description", d.version().description());
            e.put("state", d.state().name());
            e.put("jar", d.jar().getFileName().toString());
            e.put("sha256", d.jarSha256());
            e.put("deployedAt", d.deployedAt().toString());
            e.put("retiredAt", d.retiredAt() == null ? null : d.retiredAt().toString());
            e.put("requests", d.requests());
            e.put("errors", d.errors());
            e.put("timeouts", d.sessionTimeouts());
            e.put("inFlight", d.inFlight());
            e.put("pending", d.pendingSessions());
            e.put("readAheadBytes", d.readAheadBytes());
            e.put("sessionTimeoutMs", d.sessionTimeout().toMillis());
            Deployment.UnhealthyReport sick = d.unhealthy();
            if (sick != null) {
                ObjectNode u = e.putObject("unhealthy");
                u.put("reason", sick.reason());
                u.put("at", sick.at().toString());
                u.put("reports", sick.count());
            }
            e.put("maxConcurrentRequests", d.bulkhead().cap());
            e.put("busy", d.bulkhead().busy());
            e.put("rejected", d.bulkhead().rejected());
            e.put("maxRequestBodyBytes", d.maxRequestBody());
            e.put("nonBlocking", d.nonBlocking());
            if (!d.unloadNote().isEmpty()) {
                e.put("unload", d.unloadNote());
            }
            Deployer.Outcome o = outcomes.get(d.jar().getFileName().toString());
            if (o != null && d.state() == Deployment.State.ACTIVE) {
                outcome(e.putObject("lastDeploy"), o);
            }
        }
        ArrayNode deploys = root.putArray("deploys");
        outcomes.values().stream().sorted(Comparator.comparing(Deployer.Outcome::jar))
                .forEach(o -> outcome(deploys.addObject(), o));
        LeakWatch leaks = registry.retirement().leakWatch();
        List<LeakWatch.Retired> notCollected = leaks.notCollected();
        ObjectNode rl = root.putObject("retiredLoaders");
        rl.put("notCollected", notCollected.size());
        rl.put("closed", leaks.closedCount());
        rl.put("collected", leaks.collectedCount());
        ArrayNode loaders = rl.putArray("loaders");
        Instant now = Instant.now();
        for (LeakWatch.Retired r : notCollected) {
            ObjectNode n = loaders.addObject();
            n.put("jar", r.jar());
            ArrayNode names = n.putArray("extensions");
            r.extensions().forEach(names::add);
            n.put("description", r.description());
            n.put("closedAt", r.closedAt().toString());
            n.put("ageSeconds", Duration.between(r.closedAt(), now).toSeconds());
        }
        ObjectNode dep = root.putObject("deployment");
        DirectoryWatcher w = watcher;
        dep.put("dir", deployer.dir().toAbsolutePath().toString());
        dep.put("watch", w != null);
        dep.put("drainTimeoutMs", registry.retirement().drainTimeout().toMillis());
        dep.put("starting", registry.starting());
        ArrayNode loading = dep.putArray("loading");
        registry.loading().forEach(loading::add);
        if (w != null) {
            dep.put("scanIntervalMs", w.interval().toMillis());
            dep.put("lastScanAt", w.lastScan() == null ? null : w.lastScan().toString());
            dep.put("problem", w.dirProblem());
        }
        ExtensionHealth h = health;
        if (h != null) {
            root.set("health", h.json());
        }
        if (extra != null) {
            root.setAll(extra.get());
        }
        return root;
    }

    private static void outcome(ObjectNode n, Deployer.Outcome o) {
        n.put("jar", o.jar());
        n.put("ok", o.ok());
        n.put("action", o.action());
        n.put("message", o.message());
        n.put("at", o.at().toString());
        n.put("attempts", o.attempt());
    }

    private static void send(Response response, Callback callback, String type, String body) {
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
    }
}
