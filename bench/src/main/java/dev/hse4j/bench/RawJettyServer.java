package dev.hse4j.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * The baseline: a raw Jetty 12 core {@link Handler} that answers the same bytes as hse4j's samples, on a
 * server configured like hse4j's (same thread pool sizes, same HttpConfiguration), without the extension
 * host in between.
 *
 * <ul>
 *   <li>{@code GET /hello}: 200, {@code Content-Type: text/plain; charset=us-ascii}, {@code Content-Length: 18},
 *       {@code Hello from hse4j!\n}, in one last write.</li>
 *   <li>{@code GET /stream?bytes=N&chunk=K}: N bytes of {@code i mod 251}, Content-Length N, written as K-byte
 *       writes each started from the previous one's callback (an {@link IteratingCallback}, Jetty's own way
 *       of chaining writes without recursion), the last one with {@code last=true}.</li>
 *   <li>{@code GET /clock?ms=M}: answers a short text after M ms from Jetty's scheduler; the request holds
 *       no thread meanwhile. The per-request memory baseline for the pending-clock benchmark;
 *       {@code GET /pending} tells how many are waiting.</li>
 * </ul>
 *
 * <p>Usage: {@code java -jar hse4j-bench.jar [port]} (default 8090), listens on 127.0.0.1.
 */
public final class RawJettyServer {

    static final byte[] HELLO = "Hello from hse4j!\n".getBytes(StandardCharsets.US_ASCII);
    static final int PERIOD = 251;

    private static final HttpField TEXT = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/plain; charset=us-ascii");
    private static final HttpField OCTETS = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/octet-stream");
    private static final HttpField HELLO_LENGTH = new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, String.valueOf(HELLO.length));

    private RawJettyServer() {
    }

    /** @param args {@code [port]} @throws Exception if Jetty cannot start */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        // The same pool, HTTP configuration and accept queue as dev.hse4j.server.Hse4jServer.
        org.eclipse.jetty.util.thread.QueuedThreadPool pool = new org.eclipse.jetty.util.thread.QueuedThreadPool(200, 8);
        pool.setName("raw");
        Server server = new Server(pool);
        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendXPoweredBy(false);
        ServerConnector http = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        http.setHost("127.0.0.1");
        http.setPort(port);
        http.setAcceptQueueSize(4096); // as hse4j's connector
        server.addConnector(http);
        server.setHandler(new Routes());
        server.start();
        System.out.println("raw jetty listening on http://127.0.0.1:" + http.getLocalPort() + "/");
        server.join();
    }

    /** Handler.Abstract defaults to BLOCKING, as hse4j's ExtensionHost does. */
    static final class Routes extends Handler.Abstract {
        static final AtomicInteger PENDING = new AtomicInteger();

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            switch (Request.getPathInContext(request)) {
                case "/hello" -> {
                    response.setStatus(200);
                    response.getHeaders().put(TEXT);
                    response.getHeaders().put(HELLO_LENGTH);
                    response.write(true, ByteBuffer.wrap(HELLO), callback);
                }
                case "/hello-2writes" -> {
                    // Diagnostic: the write pattern hse4j's host uses (a non-last write, then the callback).
                    response.setStatus(200);
                    response.getHeaders().put(TEXT);
                    response.getHeaders().put(HELLO_LENGTH);
                    response.write(false, ByteBuffer.wrap(HELLO), Callback.from(callback::succeeded, callback::failed));
                }
                case "/hello-blocking" -> {
                    // Diagnostic: as above, but the handler thread waits for the first write (a sync writeClient).
                    response.setStatus(200);
                    response.getHeaders().put(TEXT);
                    response.getHeaders().put(HELLO_LENGTH);
                    try (org.eclipse.jetty.util.Blocker.Callback b = org.eclipse.jetty.util.Blocker.callback()) {
                        response.write(false, ByteBuffer.wrap(HELLO), b);
                        b.block();
                    }
                    callback.succeeded();
                }
                case "/stream" -> {
                    Fields q = Request.extractQueryParameters(request);
                    long bytes = Long.parseLong(q.getValue("bytes") == null ? "0" : q.getValue("bytes"));
                    int chunk = Integer.parseInt(q.getValue("chunk") == null ? "65536" : q.getValue("chunk"));
                    response.setStatus(200);
                    response.getHeaders().put(OCTETS);
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes);
                    if (bytes == 0) {
                        response.write(true, ByteBuffer.allocate(0), callback);
                    } else {
                        new Stream(response, callback, bytes, chunk).iterate();
                    }
                }
                case "/clock" -> {
                    Fields q = Request.extractQueryParameters(request);
                    long ms = Long.parseLong(q.getValue("ms") == null ? "0" : q.getValue("ms"));
                    long started = System.nanoTime();
                    PENDING.incrementAndGet();
                    request.getComponents().getScheduler().schedule(() -> {
                        PENDING.decrementAndGet();
                        byte[] body = ("tick after " + (System.nanoTime() - started) / 1_000_000 + " ms\n")
                                .getBytes(StandardCharsets.US_ASCII);
                        response.setStatus(200);
                        response.getHeaders().put(TEXT);
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                        response.write(true, ByteBuffer.wrap(body), callback);
                    }, ms, TimeUnit.MILLISECONDS);
                }
                case "/pending" -> {
                    response.setStatus(200);
                    response.getHeaders().put(TEXT);
                    response.write(true, ByteBuffer.wrap((PENDING.get() + "\n").getBytes(StandardCharsets.US_ASCII)), callback);
                }
                default -> {
                    return false;
                }
            }
            return true;
        }
    }

    /** Chained K-byte writes of the pattern, each from the previous write's callback. */
    static final class Stream extends IteratingCallback {
        private final Response response;
        private final Callback callback;
        private final long total;
        private final int chunk;
        private final byte[] pattern;
        private long sent;

        Stream(Response response, Callback callback, long total, int chunk) {
            this.response = response;
            this.callback = callback;
            this.total = total;
            this.chunk = (int) Math.max(1, Math.min(chunk, total));
            this.pattern = new byte[this.chunk + PERIOD];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i % PERIOD);
            }
        }

        @Override
        protected Action process() {
            if (sent >= total) {
                return Action.SUCCEEDED;
            }
            int n = (int) Math.min(chunk, total - sent);
            ByteBuffer b = ByteBuffer.wrap(pattern, (int) (sent % PERIOD), n);
            sent += n;
            response.write(sent >= total, b, this);
            return Action.SCHEDULED;
        }

        @Override
        protected void onCompleteSuccess() {
            callback.succeeded();
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            callback.failed(cause);
        }
    }
}
