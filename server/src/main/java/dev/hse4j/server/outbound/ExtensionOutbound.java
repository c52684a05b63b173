package dev.hse4j.server.outbound;

import dev.hse4j.api.ConnectCallback;
import dev.hse4j.api.ExtensionContext;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.OutboundConnection;
import dev.hse4j.api.OutboundService;
import dev.hse4j.server.deploy.ExtensionResources;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded extension version's outbound connections: the allow-list check, the tracking (for the
 * status page) and the close at unload. Also its {@link ExtensionContext}.
 */
final class ExtensionOutbound implements ExtensionResources, ExtensionContext {

    private static final Logger LOG = LoggerFactory.getLogger(ExtensionOutbound.class);

    private final OutboundConnections server;
    private final String name;
    private final long instance;
    private final ClassLoader loader;
    private final AllowList allow;
    private final Map<String, String> settings;
    private final Instant loadedAt = Instant.now();
    private final Set<TcpConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final OutboundService service = new Service(null);
    private volatile boolean closed;

    ExtensionOutbound(OutboundConnections server, String name, long instance, ClassLoader loader, AllowList allow,
                      Map<String, String> settings) {
        this.server = server;
        this.name = name;
        this.instance = instance;
        this.loader = loader;
        this.allow = allow;
        this.settings = settings;
    }

    // ------------------------------------------------------------------ ExtensionContext

    @Override public String name() { return name; }
    @Override public OutboundService outbound() { return service; }
    @Override public String setting(String key) { return settings.get(key); }

    // ------------------------------------------------------------------ ExtensionResources

    @Override public ExtensionContext context() { return this; }

    @Override
    public OutboundService outboundFor(ExtensionControlBlock ecb) {
        return new Service(ecb);
    }

    /** Unload: every connection still open is closed; pending operations complete with 10053. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<TcpConnection> left = List.copyOf(open);
        if (!left.isEmpty()) {
            LOG.info("extension {} unloaded: closing its {} outbound connection(s)", name, left.size());
        }
        for (TcpConnection c : left) {
            c.forceClose(IsapiError.WSAECONNABORTED);
        }
        open.clear();
        server.unloaded(this);
    }

    // ------------------------------------------------------------------ for connections and status

    void untrack(TcpConnection c) {
        open.remove(c);
    }

    void countFailure(int winsockCode) {
        failed.incrementAndGet();
        server.countFailure(winsockCode);
    }

    /** Runs a completion on a server thread with the extension's class loader as context loader. */
    void dispatch(Runnable completion) {
        server.executor().execute(() -> run(completion));
    }

    /** @return whether completions the event loop finds run on it (see {@link OutboundConnections}) */
    boolean completionsOnEventLoop() {
        return server.completionsOnEventLoop();
    }

    /**
     * Runs a completion on this thread with the extension's class loader as context loader; host
     * completions it caused that must leave its call run right after it, here ({@link CompletionScope}).
     */
    void run(Runnable completion) {
        server.around().accept(() -> server.scope().run(() -> {
            Thread t = Thread.currentThread();
            ClassLoader previous = t.getContextClassLoader();
            t.setContextClassLoader(loader);
            try {
                completion.run();
            } catch (Throwable e) {
                LOG.error("extension {}: an outbound completion threw", name, e);
            } finally {
                t.setContextClassLoader(previous);
            }
        }));
    }

    String extensionName() { return name; }
    long instance() { return instance; }
    Instant loadedAt() { return loadedAt; }
    boolean isClosed() { return closed; }
    List<TcpConnection> connections() { return List.copyOf(open); }
    long opened() { return opened.get(); }
    long failed() { return failed.get(); }
    long denied() { return denied.get(); }
    List<String> allowList() { return allow.texts(); }

    /** The service, bound to the ECB its completions carry ({@code null} outside a request). */
    private final class Service implements OutboundService {
        private final ExtensionControlBlock ecb;

        Service(ExtensionControlBlock ecb) {
            this.ecb = ecb;
        }

        @Override
        public OutboundConnection connectEx(InetSocketAddress remote, ByteBuffer firstData, int flags,
                                            ConnectCallback completion, Object context) throws IsapiException {
            if (flags != 0) {
                throw new IsapiException(IsapiError.INVALID_PARAMETER, "flags are reserved and must be 0, not " + flags);
            }
            if (firstData != null && firstData.remaining() > MAX_FIRST_DATA) {
                throw new IsapiException(IsapiError.BUFFER_OVERFLOW, "first data of " + firstData.remaining()
                        + " bytes is over the " + MAX_FIRST_DATA + "-byte limit");
            }
            if (remote == null || completion == null) {
                throw new IsapiException(IsapiError.INVALID_PARAMETER, "connectEx needs a remote address and a completion");
            }
            if (closed) {
                throw new IsapiException(IsapiError.INVALID_OPERATION, "the extension version was unloaded");
            }
            String requestedName = remote.isUnresolved() ? remote.getHostString() : null;
            InetSocketAddress target = remote;
            if (remote.isUnresolved()) {
                try {
                    target = new InetSocketAddress(InetAddress.getByName(remote.getHostString()), remote.getPort());
                } catch (UnknownHostException e) {
                    denied.incrementAndGet();
                    throw new IsapiException(IsapiError.ACCESS_DENIED, "the name " + remote.getHostString()
                            + " does not resolve");
                }
            }
            if (!allow.allows(requestedName, target.getAddress(), target.getPort())) {
                denied.incrementAndGet();
                server.countDenied();
                throw new IsapiException(IsapiError.ACCESS_DENIED, "the destination " + remote
                        + " is not on the outbound allow-list of extension " + name);
            }
            TcpConnection c = new TcpConnection(server.nextId(), ExtensionOutbound.this, ecb, target, completion, context);
            open.add(c);
            opened.incrementAndGet();
            server.countOpened();
            if (closed) { // unloaded between the check and the add: close() may have missed it
                open.remove(c);
                throw new IsapiException(IsapiError.INVALID_OPERATION, "the extension version was unloaded");
            }
            c.start(server.transport(), server.connectTimeoutMillis(), firstData);
            return c;
        }
    }
}
