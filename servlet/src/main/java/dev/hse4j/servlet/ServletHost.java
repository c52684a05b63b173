package dev.hse4j.servlet;

import dev.hse4j.server.config.LimitsConfig;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.ExtensionHost;
import dev.hse4j.server.host.HostStats;
import dev.hse4j.server.limits.LimitStats;
import dev.hse4j.server.limits.ThreadModes;
import dev.hse4j.server.web.Webroot;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.util.URIUtil;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servlet's side of the extension host: hse4j's {@link ExtensionHost} (the same routing, limits, read-ahead,
 * ECB and I/O state machine as hse4j's own server; here an object, no Jetty server) with the threads it needs
 * inside a container: one timer thread (session timeouts, data rates) and the threads extension code runs on
 * (virtual threads on Java 21+, else a pool of daemon threads).
 *
 * <p>The container's thread calls the host as a thread that must not wait for I/O events
 * ({@link ExtensionHost#serve(dev.hse4j.server.host.HostExchange, String, boolean)} with {@code true}): the container
 * delivers a request's non-blocking I/O events only once its {@code service()} call has returned (Tomcat's
 * {@code isReady()} even answers false until then), so a synchronous write waiting on that thread would wait
 * forever. A non-blocking extension with its whole body read ahead runs right there, its synchronous writes
 * written behind; every other procedure is handed by the host to this binding's threads.
 */
final class ServletHost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServletHost.class);
    /** The largest write on a secure request: one TLS record. */
    static final int SECURE_PIECE = 16 * 1024;

    private final ServletSettings settings;
    private final ScheduledExecutorScheduler scheduler;
    private final ExecutorService platform; // null when virtual threads run extension code
    private final ExtensionHost host;
    private final BufferWrites bufferWrites = new BufferWrites();

    ServletHost(ExtensionRegistry registry, Webroot webroot, ServletSettings settings, String software) {
        this.settings = settings;
        scheduler = new ScheduledExecutorScheduler("hse4j-servlet-timer", true);
        try {
            scheduler.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the timer", e);
        }
        Executor executor;
        Executor virtual = ThreadModes.virtualExecutor(LimitsConfig.ThreadMode.AUTO);
        if (virtual != null) {
            platform = null;
            executor = virtual;
        } else {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory f = r -> {
                Thread t = new Thread(r, "hse4j-servlet-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            platform = Executors.newCachedThreadPool(f);
            executor = platform;
        }
        LimitsConfig limits = LimitsConfig.defaults().withMaxConcurrentRequests(settings.maxConcurrentRequests())
                .withMaxRequestBody(settings.maxRequestBody());
        host = new ExtensionHost(registry, webroot, executor, scheduler, settings.readTimeout(), software,
                r -> Integer.MAX_VALUE, limits, new LimitStats());
    }

    HostStats stats() {
        return host.stats();
    }

    /**
     * @param request a request under {@code /ext/}
     * @param response its response
     * @param path the path under the servlet's base, percent-encoded
     * @param base the servlet's base (context path and servlet path)
     */
    void serve(HttpServletRequest request, HttpServletResponse response, String path, String base)
            throws IOException {
        String canonical = URIUtil.canonicalPath(path);
        if (canonical == null) {
            ErrorResponses.send(response, 400, "the path leaves the servlet's base");
            return;
        }
        AsyncContext async = request.startAsync();
        // The machine ends a session at its session timeout with its own answer; the container's timeout, a little
        // later, only catches an exchange the machine lost.
        ServletTransport transport = new ServletTransport(request, response, async,
                request.isSecure() ? SECURE_PIECE : Integer.MAX_VALUE, bufferWrites,
                settings.sessionTimeout().toMillis() + 30_000);
        transport.listen();
        ServletExchange exchange = new ServletExchange(request, transport, base);
        // On the container's thread: the host hands the procedure to a worker unless it may run here (no hand-off
        // for a non-blocking extension: hello costs 1.2x a plain async servlet instead of 2x, bench/README.md).
        try {
            host.serve(exchange, canonical, true);
        } finally {
            transport.serviceReturned();
        }
    }

    @Override
    public void close() {
        if (platform != null) {
            platform.shutdown();
        }
        try {
            scheduler.stop();
        } catch (Exception e) {
            LOG.debug("stopping the timer", e);
        }
    }
}
