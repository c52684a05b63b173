package dev.hse4j.server.host;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.HseStatus;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.web.CustomErrors;
import dev.hse4j.server.proxy.RecordQuery;
import dev.hse4j.server.strict.StrictPolicy;
import dev.hse4j.server.config.LimitsConfig;
import dev.hse4j.server.limits.Bulkhead;
import dev.hse4j.server.limits.LimitStats;
import dev.hse4j.server.limits.MinRate;
import dev.hse4j.server.web.Webroot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.ToIntFunction;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extension host: takes a request for {@code /ext/<name>[/<path-info>]}, finds the deployment, reads
 * the body ahead (without blocking), builds the ECB and its {@link RequestIo}, calls
 * {@code httpExtensionProc}, and hands the result to the state machine.
 */
public final class ExtensionHost extends Handler.Abstract {

    /** Request attribute holding the extension's log data, for the access log. */
    public static final String LOG_ATTRIBUTE = "hse4j.log";
    /** The URL prefix extensions are mounted under. */
    public static final String PREFIX = "/ext/";

    private static final Logger LOG = LoggerFactory.getLogger(ExtensionHost.class);
    private static final ByteBuffer NO_BYTES = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final ExtensionRegistry registry;
    private final Webroot webroot;
    private final Executor completionExecutor;
    private final Scheduler scheduler;
    private final Duration readTimeout;
    private final String softwareName;
    private final ToIntFunction<Request> pieceSize;
    private final LimitsConfig limits;
    private final LimitStats limitStats;
    private final HostStats stats = new HostStats();
    private final ConnectionIds connIds = new ConnectionIds();
    private final ResponseHead.Cache heads = new ResponseHead.Cache(); // shared by every extension: see Cache
    private final ChildRequests children;
    private final SessionTimeouts timeouts;
    private final MinRate.Spec requestRate;  // the minimum rates: each request makes its bucket when it first waits
    private final MinRate.Spec responseRate;
    private volatile CustomErrors customErrors;
    private volatile SessionObserver observer;
    private volatile Executor deliveries; // runs completions that must leave the initiating thread

    /**
     * @param registry where extensions are looked up
     * @param webroot for PATH_TRANSLATED and map-URL-to-path
     * @param completionExecutor runs completions that must leave the initiating thread
     * @param scheduler runs session timeouts
     * @param readTimeout synchronous readClient timeout
     * @param softwareName SERVER_SOFTWARE
     * @param pieceSize the largest single write for a request (16 KB on TLS, unlimited on plain HTTP)
     */
    public ExtensionHost(ExtensionRegistry registry, Webroot webroot, Executor completionExecutor, Scheduler scheduler,
                         Duration readTimeout, String softwareName, ToIntFunction<Request> pieceSize) {
        this(registry, webroot, completionExecutor, scheduler, readTimeout, softwareName, pieceSize,
                LimitsConfig.defaults().withRates(0, 0, Duration.ofSeconds(1)).withMaxRequestBody(0), new LimitStats());
    }

    /**
     * @param registry where extensions are looked up
     * @param webroot for PATH_TRANSLATED and map-URL-to-path
     * @param completionExecutor runs completions that must leave the initiating thread
     * @param scheduler runs session timeouts
     * @param readTimeout synchronous readClient timeout, and the longest the read-ahead waits for a byte
     * @param softwareName SERVER_SOFTWARE
     * @param pieceSize the largest single write for a request (16 KB on TLS, unlimited on plain HTTP)
     * @param limits the minimum data rates (bulkheads and body limits come with each deployment)
     * @param limitStats counts what the limits turned away
     */
    public ExtensionHost(ExtensionRegistry registry, Webroot webroot, Executor completionExecutor, Scheduler scheduler,
                         Duration readTimeout, String softwareName, ToIntFunction<Request> pieceSize,
                         LimitsConfig limits, LimitStats limitStats) {
        // Non-blocking: Jetty calls handle() on the network thread that parsed the request, without a hand-off.
        // The host hands each request to a worker itself, except a non-blocking extension's whose body is all
        // read ahead: that one runs right here (see Session.invoke).
        super(InvocationType.NON_BLOCKING);
        this.limits = limits;
        this.requestRate = rate(limits.minRequestRate());
        this.responseRate = rate(limits.minResponseRate());
        this.limitStats = limitStats;
        this.registry = registry;
        this.webroot = webroot;
        this.completionExecutor = completionExecutor;
        this.deliveries = completionExecutor;
        this.scheduler = scheduler;
        this.timeouts = new SessionTimeouts(scheduler, 1000); // session timeouts to within 1 s, one sweep for all
        this.readTimeout = readTimeout;
        this.softwareName = softwareName;
        this.pieceSize = pieceSize;
        this.children = new ChildRequests(completionExecutor, () -> getServer().getHandler());
        this.customErrors = new CustomErrors(webroot);
    }

    /** @param errors the server's error pages, for HSE_REQ_SEND_CUSTOM_ERROR */
    public void customErrors(CustomErrors errors) {
        this.customErrors = errors;
    }

    /**
     * @param executor runs the completions that must leave the thread that started their operation (by default
     *     the worker executor); outbound connections pass one that, on a thread running an outbound completion,
     *     runs them on that thread once the outbound completion has returned (no hand-off, never inside the call)
     */
    public void deliverCompletionsWith(Executor executor) {
        this.deliveries = executor;
    }

    /** @return the host's counters */
    public HostStats stats() {
        return stats;
    }

    /** @param o told of every session's end (the test kit), or {@code null} */
    public void observer(SessionObserver o) {
        observer = o;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        int slash = path.indexOf('/', PREFIX.length());
        String name = mountName(path, slash);
        if (name.equals(request.getAttribute(ChildRequests.SKIP_ATTRIBUTE))) {
            return false; // a child request run with IGNORE_CURRENT_INTERCEPTOR: not this extension again
        }
        route(new JettyExchange(request, response, callback, pieceSize.applyAsInt(request)), path, name, slash, true);
        return true;
    }

    /**
     * Serves a request for {@code /ext/<name>[/<path-info>]} that another binding (the servlet binding) brings:
     * the same routing, limits, read-ahead, ECB and state machine as hse4j's own server. It returns at once or
     * after the procedure returned; the exchange ends through its transport.
     *
     * @param exchange the request and its transport
     * @param path the path under the binding's base, starting with {@link #PREFIX}, still percent-encoded
     */
    public void serve(HostExchange exchange, String path) {
        serve(exchange, path, false);
    }

    /**
     * As {@link #serve(HostExchange, String)}, from a thread that may or may not wait for the transport's I/O.
     *
     * @param exchange the request and its transport
     * @param path the path under the binding's base, starting with {@link #PREFIX}, still percent-encoded
     * @param callerMustNotWait {@code true} for a thread that cannot wait for the transport's I/O events (a servlet
     *     container's thread inside {@code service()}: the container signals write readiness only after it returns).
     *     Then only a non-blocking extension with its whole body read ahead runs on it, its synchronous writes
     *     written behind; every other procedure is handed to a worker thread
     */
    public void serve(HostExchange exchange, String path, boolean callerMustNotWait) {
        if (!path.startsWith(PREFIX)) {
            exchange.answer(HttpStatus.NOT_FOUND_404, "not an extension's URL", false, false);
            return;
        }
        int slash = path.indexOf('/', PREFIX.length());
        route(exchange, path, mountName(path, slash), slash, callerMustNotWait);
    }

    /** @return the mount name in {@code /ext/<name>[/<path-info>]}; {@code slash} is the path info's slash, or -1 */
    private static String mountName(String path, int slash) {
        return path.substring(PREFIX.length(), slash < 0 ? path.length() : slash);
    }

    /**
     * @param name the mount name: {@code path} from after {@link #PREFIX} to {@code slash} (or its end)
     * @param slash the index in {@code path} of the slash that starts the path info, or -1
     * @param networkThread the calling thread must not block (Jetty's network thread): hand off extension code
     */
    private void route(HostExchange exchange, String path, String name, int slash, boolean networkThread) {
        // PATH_INFO is documented decoded: Jetty's path here is canonical but still percent-encoded.
        String pathInfo;
        try {
            pathInfo = slash < 0 ? "" : URIUtil.decodePath(path.substring(slash));
        } catch (IllegalArgumentException e) {
            exchange.answer(HttpStatus.BAD_REQUEST_400, "the path cannot be decoded", false, false);
            return;
        }
        Deployment d = name.isEmpty() ? null : registry.acquire(name);
        if (d == null && !name.isEmpty() && registry.isLoading(name)) {
            // Starting, or this jar is being (re)loaded: worth a retry, unlike a 404.
            exchange.answer(HttpStatus.SERVICE_UNAVAILABLE_503, PREFIX + name + " is loading; try again in a moment",
                    true, false);
            return;
        }
        if (d == null) {
            exchange.answer(HttpStatus.NOT_FOUND_404, "no extension is mounted at " + PREFIX + name, false, false);
            return;
        }
        long max = d.maxRequestBody();
        long length = exchange.contentLength(); // asked once: on HTTP/1 it may look at the headers
        if (max > 0 && length > max) {
            d.release();
            limitStats.tooLarge();
            exchange.answer(HttpStatus.PAYLOAD_TOO_LARGE_413,
                    "the request body is larger than " + max + " bytes, the most " + PREFIX + name + " accepts",
                    false, true);
            return;
        }
        // A cheap early look, before any read-ahead; invoke() decides. A request that may run inline (a
        // non-blocking extension on the network thread) takes no place, so it is not turned away here.
        if (!(networkThread && runsInline(d)) && !d.bulkhead().hasRoom()) {
            d.release();
            busy(d, exchange);
            return;
        }
        new Session(d, exchange, length, name, pathInfo, networkThread).preload();
    }

    /** @return whether {@code d}'s procedures run on the network thread (with their whole body in hand) */
    private boolean runsInline(Deployment d) {
        return d.nonBlocking() && limits.inlineNonBlocking();
    }

    /** 503 at once: the extension has as many requests running as its bulkhead allows. */
    private void busy(Deployment d, HostExchange exchange) {
        Bulkhead b = d.bulkhead();
        limitStats.bulkheadRejected();
        if (b.reject()) {
            LOG.warn("extension {} ({}) has {} requests running, its cap (maxConcurrentRequests); answering 503 "
                    + "until one ends ({} refused so far)", d.name(), d.jar().getFileName(), b.cap(), b.rejected());
        }
        // An answer from the limits, before the extension ran: the connection closes (the body is not read).
        exchange.answer(HttpStatus.SERVICE_UNAVAILABLE_503,
                "the extension " + PREFIX + d.name() + " is busy; try again shortly", true, true);
    }

    /** @return the minimum rate for one direction (shared: each request makes its bucket when it first waits) */
    private MinRate.Spec rate(long bytesPerSecond) {
        return bytesPerSecond <= 0 ? MinRate.Spec.OFF : new MinRate.Spec(bytesPerSecond, limits.rateGrace().toNanos());
    }

    /** One request's way through the host: read-ahead, procedure call, session end. */
    private final class Session implements Runnable, RequestIo.EndListener, Deployment.LiveSession, Ecb.Parts {
        private final Deployment deployment;
        private final HostExchange exchange;
        private final JettyExchange jetty; // null in another binding: what only hse4j's connector gives
        private final String name;
        private final String pathInfo;
        private final Transport transport;
        private final BodyReader body;
        private final long declaredLength;
        private ByteBuffer preloaded;
        private boolean eof;
        private volatile boolean wasPending;
        private volatile RequestIo io;
        private volatile Ecb ecb;
        private volatile StrictSession strict; // null unless the extension runs strict
        // On a thread that must not block (Jetty's network thread), until the session moves to a worker.
        private boolean onNetworkThread;
        private volatile boolean closed; // the end listener was told
        private volatile boolean joined; // in the deployment's live-session set (set before it is added)

        Session(Deployment deployment, HostExchange exchange, long declaredLength, String name, String pathInfo,
                boolean networkThread) {
            this.deployment = deployment;
            this.exchange = exchange;
            this.jetty = exchange instanceof JettyExchange j ? j : null;
            this.name = name;
            this.pathInfo = pathInfo;
            this.transport = exchange.transport();
            this.body = new BodyReader(transport, scheduler,
                    requestRate, deployment.maxRequestBody());
            this.declaredLength = declaredLength;
            this.onNetworkThread = networkThread;
            stats.started();
        }

        /** Reads up to the read-ahead size; continues in {@link #run()} when data arrives. */
        void preload() {
            run();
        }

        /** "name (jar)": the extension in log lines, built only when a line is written (most requests log nothing). */
        @Override
        public String toString() {
            return name + " (" + deployment.jar().getFileName() + ")";
        }

        @Override
        public ServerVariables variables(Ecb forEcb) {
            return new ServerVariables(exchange.facts(), forEcb, exchange.scriptBase() + PREFIX + name, softwareName,
                    webroot.root().toString());
        }

        @Override
        public RequestServices services() {
            return new RequestServices(jetty == null ? null : jetty.request, io, jetty == null ? null : jetty.control,
                    deployment, name, webroot, customErrors, children);
        }

        @Override
        public String contentType() {
            return exchange.contentType();
        }

        @Override
        public RecordQuery redirectRecord() {
            return jetty == null ? null : RecordQuery.of(jetty.request, deployment.redirectRecords());
        }

        @Override
        public void run() {
            int limit = deployment.readAheadBytes();
            try {
                if (declaredLength == 0 || limit == 0) {
                    eof = declaredLength == 0;
                } else {
                    while (true) {
                        if (preloaded == null && declaredLength < 0) {
                            // Unknown length: a GET without a body, or a chunked upload. Allocate the
                            // read-ahead buffer only once there is a body byte to put in it: a bodiless
                            // request must not cost (and a pending one must not hold) a 48 KB buffer.
                            int p = body.probe();
                            if (p == 0) {
                                eof = true;
                                break;
                            }
                            if (p == BodyReader.NOTHING_YET) {
                                continueWhenDataArrives();
                                return;
                            }
                        }
                        if (preloaded == null) {
                            long cap = declaredLength > 0 ? Math.min(limit, declaredLength) : limit;
                            preloaded = ByteBuffer.allocate((int) cap);
                        }
                        if (!preloaded.hasRemaining()) {
                            break;
                        }
                        int n = body.read(preloaded);
                        if (n == 0) {
                            eof = true;
                            break;
                        }
                        if (n == BodyReader.NOTHING_YET) {
                            continueWhenDataArrives();
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debug("reading the body ahead for /ext/{} failed", name, e);
                body.close();
                exchange.releaseBody();
                stats.ended(name, RequestIo.End.ERROR, false);
                deployment.release();
                if (e instanceof BodyReader.TooSlow) {
                    limitStats.slowBody();
                    exchange.answer(HttpStatus.REQUEST_TIMEOUT_408, "the request body did not arrive in time",
                            false, true);
                } else if (e instanceof BodyReader.TooLarge) {
                    limitStats.tooLarge();
                    exchange.answer(HttpStatus.PAYLOAD_TOO_LARGE_413,
                            "the request body is larger than " + deployment.maxRequestBody() + " bytes, the most "
                                    + PREFIX + name + " accepts", false, true);
                } else if (BodyReader.isMalformed(e)) {
                    exchange.answer(HttpStatus.BAD_REQUEST_400, "the request body is malformed", false, false);
                } else {
                    exchange.abort(e);
                }
                return;
            }
            invoke();
        }

        /**
         * Resumes the read-ahead on a server thread, not inside Jetty's demand callback: the extension may
         * block reading, and Jetty runs demand callbacks one at a time.
         */
        private void continueWhenDataArrives() {
            onNetworkThread = false;
            // The read timeout bounds each wait: a client that sends part of the read-ahead and stops gets 408.
            body.awaitData(() -> completionExecutor.execute(this), readTimeout);
        }

        /** @return whether the read-ahead holds the whole body (none, or all its declared bytes) */
        private boolean wholeBodyInHand() {
            return eof || declaredLength > 0 && preloaded != null && preloaded.position() == declaredLength;
        }

        /**
         * Calls the procedure here, or on a worker: on a network thread only a non-blocking extension's runs,
         * and only with its whole body in hand (its synchronous reads then never wait; {@link RequestIo} makes its
         * synchronous writes never wait either).
         */
        private void invoke() {
            if (onNetworkThread && !(runsInline(deployment) && wholeBodyInHand())) {
                onNetworkThread = false;
                try {
                    completionExecutor.execute(this::invoke);
                } catch (RejectedExecutionException e) {
                    LOG.warn("no worker thread for /ext/{} (the server is stopping, or its queue is full): 503", name);
                    body.close();
                    exchange.releaseBody();
                    stats.ended(RequestIo.End.ERROR, false);
                    deployment.release();
                    exchange.answer(HttpStatus.SERVICE_UNAVAILABLE_503, "the server is too busy; try again shortly",
                            true, true);
                }
                return;
            }
            Bulkhead bulkhead = deployment.bulkhead();
            if (onNetworkThread) {
                // A non-blocking procedure on the network thread takes no place in the bulkhead: it holds no
                // worker, and none of its synchronous I/O waits. (Its count would be two writes to one counter
                // shared by every network thread, per request.)
                invokeHolding(bulkhead);
                return;
            }
            if (!bulkhead.tryEnter()) {
                body.close();
                exchange.releaseBody();
                stats.ended(RequestIo.End.OK, false);
                deployment.release();
                busy(deployment, exchange);
                return;
            }
            try {
                invokeHolding(bulkhead);
            } finally {
                bulkhead.exit();
            }
        }

        private void invokeHolding(Bulkhead bulkhead) {
            ByteBuffer data = preloaded == null ? NO_BYTES : preloaded.flip();
            long total = declaredLength >= 0 ? declaredLength : eof ? data.remaining() : ExtensionControlBlock.UNKNOWN_LENGTH;
            Object logName = this; // its toString() is built only if something is logged
            RequestIo io = new RequestIo(transport, deliveries,
                    scheduler, timeouts, body, readTimeout, deployment.sessionTimeout(), logName,
                    deployment.classLoader(), this, bulkhead,
                    responseRate, limitStats, onNetworkThread ? limits.writeBehindLimit() : -1);
            this.io = io;
            if (!onNetworkThread) {
                joined = true;
                deployment.sessionStarted(this); // see the end of this method for a procedure run here
            }
            String query = exchange.query();
            Ecb ecb = new Ecb(connIds.next(), transport.method(), query == null ? "" : query, pathInfo,
                    total, data, webroot, io, heads, this);
            ecb.bindResources(deployment.resources());
            this.ecb = ecb;
            ExtensionControlBlock facing = ecb;
            StrictPolicy policy = deployment.strict();
            if (policy != null) {
                StrictSession s = new StrictSession(policy, name, deployment.extension().getClass().getName(),
                        transport.method() + " " + transport.pathQuery(), scheduler);
                io.watch(s);
                facing = new StrictEcb(ecb, s);
                strict = s;
                if (onNetworkThread) {
                    s.procStartsOnNetworkThread();
                }
            }
            io.bind(facing);
            ExtensionControlBlock given = facing;
            if (jetty != null && (getServer() == null || getServer().getRequestLog() != null)) {
                // Only the access log reads it; setting it costs a per-request attribute map.
                jetty.request.setAttribute(LOG_ATTRIBUTE, new Object() {
                    @Override
                    public String toString() {
                        String s = ecb.logLine();
                        return s.isEmpty() ? "-" : s;
                    }
                });
            }
            // On a worker, Jetty's handler call has returned: hold the exchange's end until the procedure returns
            // (the access log line must carry what the procedure logs; see HeldCallback).
            HeldCallback held = jetty != null && !onNetworkThread ? jetty.completion : null;
            if (held != null) {
                held.hold();
            }
            io.start();
            HseStatus status;
            try {
                status = deployment.httpExtensionProc(given);
                if (status == null) {
                    LOG.error("extension {} returned null from httpExtensionProc for {}; treated as ERROR", logName,
                            transport.pathQuery());
                    status = HseStatus.ERROR;
                }
            } catch (Throwable t) {
                LOG.error("extension {} threw from httpExtensionProc for {} {}", logName, transport.method(),
                        transport.pathQuery(), t);
                status = HseStatus.ERROR;
            }
            if (status == HseStatus.ERROR) {
                LOG.warn("extension {} failed {} {}", logName, transport.method(), transport.pathQuery());
            }
            if (status == HseStatus.PENDING) {
                wasPending = true;
                stats.pending();
                deployment.sessionPending();
            }
            StrictSession s = strict;
            if (s != null) {
                s.procReturned(status);
            }
            try {
                io.procReturned(status);
            } finally {
                if (held != null) {
                    held.release(); // whatever happened above: a held end would keep the connection forever
                }
            }
            if (onNetworkThread && !closed) {
                // A non-blocking procedure ran here and returned (it cannot hang on this thread by declaration):
                // only a session that outlives it must be reachable for an unload's abort. Most end inside
                // procReturned and never touch the deployment's shared set.
                joined = true;
                deployment.sessionStarted(this);
                if (closed) {
                    deployment.sessionEnded(this); // it ended meanwhile, after its own removal ran
                }
            }
        }

        @Override
        public void abortForUnload() {
            RequestIo current = io;
            if (current != null) {
                current.abortForUnload();
            }
        }

        @Override
        public void asyncCompleted(int code) {
            stats.asyncCompleted(name, code);
        }

        @Override
        public void sessionEnded(RequestIo.End how) {
            closed = true;
            if (joined) { // (a session never in the set skips the set: its first hash code alone is costly)
                deployment.sessionEnded(this);
            }
            stats.ended(name, how, wasPending);
            if (wasPending) {
                deployment.sessionPendingEnded();
            }
            if (how != RequestIo.End.OK) {
                deployment.countError();
            }
            if (how == RequestIo.End.TIMEOUT) {
                deployment.countSessionTimeout();
            }
            StrictSession s = strict;
            if (s != null) {
                s.sessionEnded(how == RequestIo.End.TIMEOUT);
            }
            deployment.release();
            SessionObserver o = observer;
            if (o != null) {
                Ecb e = ecb;
                o.sessionEnded(new SessionObserver.Ended(name, transport.method(), transport.pathQuery(),
                        how.name(), wasPending, e == null ? "" : e.logLine(), transport.status()));
            }
        }
    }
}
