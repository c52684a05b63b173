package dev.hse4j.server.ops;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.EventsHandler;
import org.eclipse.jetty.util.NanoTime;

/**
 * Wraps the extension host and counts each {@code /ext/<name>} request when its response is complete (a
 * PENDING session included): status class and latency, per extension.
 */
final class RequestMeter extends EventsHandler {

    private static final String PREFIX = "/ext/";
    private final ServerMetrics metrics;

    RequestMeter(Handler host, ServerMetrics metrics) {
        super(host);
        this.metrics = metrics;
    }

    @Override
    protected void onComplete(Request request, int status, HttpFields headers, Throwable failure) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return;
        }
        String rest = path.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        metrics.requestCompleted(name, status, NanoTime.since(request.getBeginNanoTime()));
    }
}
