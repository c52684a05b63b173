package dev.hse4j.server.outbound;

import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.deploy.ExtensionResources;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's outbound connections: the transport (chosen and logged once), the operator's allow-lists
 * and settings, and one {@link ExtensionOutbound} per loaded extension version (its context, its
 * connections, closed at its unload). Status for {@code /hse/status.json}.
 */
public final class OutboundConnections implements ExtensionResources.Factory, AutoCloseable {

    /** The most connections listed per extension version on the status page. */
    private static final int STATUS_LIST_LIMIT = 100;

    private final OutboundConfig config;
    private final Executor executor;
    private final AllowList serverAllow;
    private final Transport transport;
    private final Set<ExtensionOutbound> loaded = ConcurrentHashMap.newKeySet();
    private final CompletionScope scope = new CompletionScope();
    private volatile Consumer<Runnable> around = Runnable::run;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong instances = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final Map<Integer, java.util.concurrent.atomic.LongAdder> failures = new ConcurrentHashMap<>();

    /**
     * @param config allow-lists, timeout, settings
     * @param executor server threads that run completions
     */
    public OutboundConnections(OutboundConfig config, Executor executor) {
        this.config = config;
        this.executor = executor;
        this.serverAllow = AllowList.parse(config.allow());
        config.allowPerExtension().values().forEach(AllowList::parse); // fail at start, not at first use
        this.transport = new Transport(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
                config.fastOpen());
    }

    @Override
    public ExtensionResources open(String name, ClassLoader loader) {
        AllowList allow = serverAllow.plus(AllowList.parse(config.allowPerExtension().getOrDefault(name, List.of())));
        ExtensionOutbound e = new ExtensionOutbound(this, name, instances.incrementAndGet(), loader, allow,
                config.extensionSettings().getOrDefault(name, Map.of()));
        loaded.add(e);
        return e;
    }

    void unloaded(ExtensionOutbound e) {
        loaded.remove(e);
    }

    /**
     * The executor for host completions that must leave the thread that started their operation: on a
     * thread running an outbound completion it runs them there once that completion has returned (no thread
     * hand-off); elsewhere it is {@code delegate}. For {@code ExtensionHost.deliverCompletionsWith}.
     *
     * @param delegate where such completions go otherwise (the worker executor)
     * @return the executor
     */
    public Executor deferring(Executor delegate) {
        return scope.executor(delegate);
    }

    /**
     * @param runner runs each outbound completion's scope (the completion and the host completions queued behind
     *     it); the server's pool passes one that resumes, on that thread, the client connection whose exchange the
     *     scope ended (ResumingThreadPool.runHoldingResume) instead of waking a worker for it
     */
    public void runCompletionsWith(Consumer<Runnable> runner) {
        this.around = runner;
    }

    Executor executor() { return executor; }
    CompletionScope scope() { return scope; }
    Consumer<Runnable> around() { return around; }
    boolean completionsOnEventLoop() { return config.completionsOnIoThreads(); }
    Transport transport() { return transport; }
    int connectTimeoutMillis() { return (int) config.connectTimeout().toMillis(); }
    long nextId() { return ids.incrementAndGet(); }
    void countOpened() { opened.incrementAndGet(); }
    void countDenied() { denied.incrementAndGet(); }
    void countFailure(int winsockCode) {
        failures.computeIfAbsent(winsockCode, k -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    /** @return connections the extensions opened (connectEx calls that got past the allow-list), ever */
    public long opened() {
        return opened.get();
    }

    /** @return connectEx calls the allow-list refused, ever */
    public long denied() {
        return denied.get();
    }

    /** @return connects that failed, by the Winsock code their completion carried (10061 refused...), ever */
    public Map<Integer, Long> failuresByCode() {
        Map<Integer, Long> m = new java.util.TreeMap<>();
        failures.forEach((k, c) -> m.put(k, c.sum()));
        return m;
    }

    /** @return outbound connections connecting or connected now (not failed, forced closed or closed) */
    public int activeCount() {
        int n = 0;
        for (ExtensionOutbound e : loaded) {
            for (TcpConnection c : e.connections()) {
                if (c.state() == TcpConnection.State.CONNECTING || c.state() == TcpConnection.State.OPEN) {
                    n++;
                }
            }
        }
        return n;
    }

    /** @return whether first data goes in the SYN where the peer accepts it (native epoll and TFO on) */
    public boolean fastOpen() {
        return transport.fastOpen();
    }

    /** @return how many outbound connections are open now, over every extension */
    public int openCount() {
        return loaded.stream().mapToInt(e -> e.connections().size()).sum();
    }

    /** @return {@code {"outbound": {...}}} for the status document */
    public ObjectNode statusJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode o = root.putObject("outbound");
        o.put("transport", transport.description());
        o.put("tcpFastOpen", transport.fastOpen());
        o.put("connectTimeoutMs", config.connectTimeout().toMillis());
        ArrayNode allow = o.putArray("allow");
        serverAllow.texts().forEach(allow::add);
        o.put("opened", opened.get());
        o.put("denied", denied.get());
        o.put("open", openCount());
        ArrayNode exts = o.putArray("extensions");
        List<ExtensionOutbound> es = new ArrayList<>(loaded);
        es.sort(Comparator.comparing(ExtensionOutbound::extensionName).thenComparing(ExtensionOutbound::instance));
        for (ExtensionOutbound e : es) {
            ObjectNode n = exts.addObject();
            n.put("name", e.extensionName());
            n.put("instance", e.instance());
            n.put("loadedAt", e.loadedAt().toString());
            ArrayNode al = n.putArray("allow");
            e.allowList().forEach(al::add);
            n.put("opened", e.opened());
            n.put("failed", e.failed());
            n.put("denied", e.denied());
            List<TcpConnection> cs = e.connections();
            n.put("open", cs.size());
            ArrayNode list = n.putArray("connections");
            cs.stream().sorted(Comparator.comparingLong(TcpConnection::id)).limit(STATUS_LIST_LIMIT).forEach(c -> {
                ObjectNode x = list.addObject();
                x.put("id", c.id());
                x.put("remote", c.remoteAddress().toString());
                x.put("local", c.localAddress() == null ? null : c.localAddress().toString());
                x.put("state", c.state().name());
                x.put("openedAt", c.openedAt().toString());
                x.put("bytesSent", c.bytesSent());
                x.put("bytesReceived", c.bytesReceived());
                x.put("firstDataInSyn", c.firstDataInSyn());
            });
        }
        return root;
    }

    /** Closes every connection still open and stops the transport. */
    @Override
    public void close() {
        for (ExtensionOutbound e : List.copyOf(loaded)) {
            e.close();
        }
        transport.close();
    }
}
