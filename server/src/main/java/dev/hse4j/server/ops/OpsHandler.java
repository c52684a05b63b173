package dev.hse4j.server.ops;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The operations endpoints: {@code /hse/ready} (readiness, for load balancers), {@code /hse/metrics}
 * (Prometheus) and {@code /hse/history.json} (the status page's charts). With an admin listener, the
 * endpoints that show paths and deploy errors ({@code /hse/status.json}, {@code /hse/metrics},
 * {@code /hse/history.json}) answer only there (404 on the public ports), and extensions are not served on
 * the admin listener.
 */
final class OpsHandler extends Handler.Abstract.NonBlocking {

    /** Prometheus text format 0.0.4, which every Prometheus reads. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final ServerMetrics metrics;
    private final Readiness readiness;
    private final History history;
    private volatile Connector admin;
    private volatile java.util.function.BooleanSupplier alsoReady = () -> true;

    OpsHandler(ServerMetrics metrics, Readiness readiness, History history) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.history = history;
    }

    /** @param check also required for ready */
    void alsoReadyWhen(java.util.function.BooleanSupplier check) {
        this.alsoReady = check;
    }

    /** @param c the admin listener: the private endpoints answer only on it */
    void admin(Connector c) {
        this.admin = c;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        Connector a = admin;
        boolean onAdmin = a != null && request.getConnectionMetaData().getConnector() == a;
        boolean adminOnly = path.equals("/hse/status.json") || path.equals("/hse/metrics")
                || path.equals("/hse/history.json");
        if (a != null && (adminOnly && !onAdmin || onAdmin && path.startsWith("/ext/"))) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            return true;
        }
        if (!path.equals("/hse/ready") && !path.equals("/hse/metrics") && !path.equals("/hse/history.json")) {
            return false; // the status handler, the host or the webroot
        }
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        switch (path) {
            case "/hse/ready" -> {
                Readiness.State s = readiness.state();
                boolean healthy = alsoReady.getAsBoolean();
                if (s == Readiness.State.READY && healthy) {
                    send(response, callback, HttpStatus.OK_200, "text/plain;charset=utf-8", "ready\n");
                } else {
                    response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                    send(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "text/plain;charset=utf-8",
                            (s == Readiness.State.READY ? "unhealthy" : s.name().toLowerCase(java.util.Locale.ROOT))
                                    + "\n");
                }
            }
            case "/hse/metrics" -> send(response, callback, HttpStatus.OK_200, PROMETHEUS_TEXT, metrics.scrape());
            default -> send(response, callback, HttpStatus.OK_200, "application/json", history.toJson());
        }
        return true;
    }

    private static void send(Response response, Callback callback, int status, String type, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
