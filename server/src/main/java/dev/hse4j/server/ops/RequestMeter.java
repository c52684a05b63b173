package dev.hse4j.server.ops;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * Wraps the extension host and counts each {@code /ext/<name>} request when its response is complete (a
 * PENDING session included): status class and latency, per extension.
 *
 * <p>It wraps only the exchange's callback, and only for {@code /ext/} requests: Jetty's {@code EventsHandler}
 * (its first form) wraps the request, the response and every write's callback, which the hello profile showed
 * as a per-request cost for two numbers read at the end.
 */
final class RequestMeter extends Handler.Wrapper {

    private static final String PREFIX = "/ext/";
    private final ServerMetrics metrics;

    RequestMeter(Handler host, ServerMetrics metrics) {
        super(host);
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return super.handle(request, response, callback);
        }
        // Not handled (returns false): whoever handles it next completes the original callback, uncounted,
        // as before (the host handles every /ext/ request, so this does not happen in practice).
        return super.handle(request, response, new Metered(callback, request, response, path));
    }

    /** The exchange's callback, counting the request once when it completes either way. */
    private final class Metered extends Callback.Nested {
        private final Request request;
        private final Response response;
        private final String path;

        Metered(Callback callback, Request request, Response response, String path) {
            super(callback);
            this.request = request;
            this.response = response;
            this.path = path;
        }

        @Override
        public void succeeded() {
            record();
            super.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            // Not committed: Jetty answers the failure with a 500 of its own.
            record(response.isCommitted() ? response.getStatus() : 500);
            super.failed(x);
        }

        private void record() {
            record(response.getStatus());
        }

        private void record(int status) {
            int slash = path.indexOf('/', PREFIX.length());
            String name = path.substring(PREFIX.length(), slash < 0 ? path.length() : slash);
            metrics.requestCompleted(name, status, NanoTime.since(request.getBeginNanoTime()));
        }
    }
}
