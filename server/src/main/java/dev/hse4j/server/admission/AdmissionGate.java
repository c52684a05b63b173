package dev.hse4j.server.admission;

import dev.hse4j.api.AdmissionVerdict;
import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.deploy.HookDeployment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.InetAddressSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection admission: judges each offer before a byte of the connection is read, with the built-in
 * policies and then the admission hooks, and carries out the verdict.
 *
 * <p>The order, the first verdict that is not accept winning:
 * <ol>
 *   <li>{@code --deny} networks: refuse ({@code refuse:deny});</li>
 *   <li>{@code --allow} networks, when any are given: refuse the rest ({@code refuse:not-allowed});</li>
 *   <li>{@code --max-connections-per-ip}: refuse one past the cap ({@code refuse:max-connections-per-ip});</li>
 *   <li>{@code --accept-rate-per-ip}: refuse beyond the rate ({@code refuse:accept-rate-per-ip});</li>
 *   <li>the hooks, in {@link AdmissionHooks} order ({@code refuse:hook}, {@code insufficient:hook}, and
 *       {@code insufficient:hook-failed} for a hook that threw or answered nothing).</li>
 * </ol>
 * {@code --max-connections} acts earlier still, at the socket: {@link ConnectionCap} stops the listeners
 * accepting at the cap, so the connections past it wait in the kernel's backlog instead of being turned
 * down.
 *
 * <h2>Who calls it</h2>
 * The connector ({@code dev.hse4j.server.net.Hse4jConnector}) at accept, on a pool thread, for listeners
 * without the PROXY protocol: {@link #admit}, then {@link #turnDown(Admission, SocketChannel)} for a
 * verdict other than accept. The PROXY layer, once it has read the header: build an {@link Offer} naming
 * the original client, {@link #admit} it, then {@link #enforce(Admission, EndPoint)}; attach an accepted
 * admission to the connection's state so that its close releases it. Either way, a turned-down admission
 * comes back already {@link Admission#close() closed}; an accepted one must be closed when the connection
 * closes.
 */
public final class AdmissionGate {

    /** A decision taking longer than this is logged (rate-limited). */
    public static final long SLOW_NANOS = 1_000_000L;
    /** At most one slow-decision (or failure) line per hook per this many nanoseconds. */
    static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionGate.class);
    private static final HookDeployment[] NO_HOOKS = new HookDeployment[0];
    private static final Object[] NO_CONTEXTS = new Object[0];

    private final AdmissionConfig config;
    private final Executor notifier;
    private final InetAddressSet allow;
    private final InetAddressSet deny;
    private final AddressCounts counts = new AddressCounts();
    private final AcceptRate rate;
    private final AdmissionHooks hooks = new AdmissionHooks();
    private final AdmissionStats stats = new AdmissionStats();
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, AcceptSwitch> switches = new LinkedHashMap<>();
    private volatile ConnectionCap cap;

    /**
     * @param config the built-in policies
     * @param notifier where close notifications run (the server's pool: never a selector thread)
     */
    public AdmissionGate(AdmissionConfig config, Executor notifier) {
        this.config = config;
        this.notifier = notifier;
        this.allow = set(config.allow());
        this.deny = set(config.deny());
        this.rate = config.acceptRatePerIp() > 0 ? new AcceptRate(config.acceptRatePerIp()) : null;
    }

    private static InetAddressSet set(List<String> patterns) {
        if (patterns.isEmpty()) {
            return null;
        }
        InetAddressSet s = new InetAddressSet();
        patterns.forEach(s::add);
        return s;
    }

    /**
     * Puts the listeners under admission: their accept switches, and the connection cap over all of them.
     * Call once, before the server starts.
     *
     * @param server the server (the cap is one of its beans)
     * @param connectors the listeners, named {@code http} / {@code https}
     */
    public synchronized void attach(Server server, List<? extends AbstractConnector> connectors) {
        List<AcceptSwitch> list = new ArrayList<>();
        for (AbstractConnector c : connectors) {
            AcceptSwitch s = new AcceptSwitch(c, config.insufficientPause());
            switches.put(c.getName(), s);
            list.add(s);
        }
        if (config.maxConnections() > 0) {
            cap = new ConnectionCap(config.maxConnections(), list, connectors.toArray(new AbstractConnector[0]));
            server.addBean(cap);
        }
    }

    /** @return the configuration */
    public AdmissionConfig config() { return config; }
    /** @return the hooks (the deployer's {@link dev.hse4j.server.deploy.HookSink}) */
    public AdmissionHooks hooks() { return hooks; }
    /** @return the verdict counters */
    public AdmissionStats stats() { return stats; }

    /** @return a new connection id, unique in this server's life */
    public long nextConnectionId() {
        return ids.incrementAndGet();
    }

    /**
     * Judges an offer. Runs the hooks on the calling thread, which must not be a selector thread.
     *
     * @param offer the connection
     * @return the admission; if not accepted it is already closed, and the caller only carries the verdict out
     */
    public Admission admit(Offer offer) {
        InetAddress address = offer.remoteAddress().getAddress();
        if (deny != null && deny.test(address)) {
            return decided(offer, AdmissionVerdict.Kind.REFUSE, "refuse:deny", null, NO_HOOKS, NO_CONTEXTS, 0);
        }
        if (allow != null && !allow.test(address)) {
            return decided(offer, AdmissionVerdict.Kind.REFUSE, "refuse:not-allowed", null, NO_HOOKS, NO_CONTEXTS, 0);
        }
        InetAddress key = AddressKey.of(address);
        int before = counts.tryIncrement(key, config.maxConnectionsPerIp());
        if (before < 0) {
            return decided(offer, AdmissionVerdict.Kind.REFUSE, "refuse:max-connections-per-ip", null, NO_HOOKS,
                    NO_CONTEXTS, 0);
        }
        if (rate != null && !rate.tryTake(key, System.nanoTime())) {
            return decided(offer, AdmissionVerdict.Kind.REFUSE, "refuse:accept-rate-per-ip", key, NO_HOOKS,
                    NO_CONTEXTS, 0);
        }
        offer.openFromAddress(before);
        HookDeployment[] all = hooks.snapshot();
        if (all.length == 0) {
            return decided(offer, AdmissionVerdict.Kind.ACCEPT, Admission.ACCEPTED, key, NO_HOOKS, NO_CONTEXTS, 0);
        }
        HookDeployment[] accepted = new HookDeployment[all.length];
        Object[] contexts = new Object[all.length];
        int n = 0;
        for (HookDeployment h : all) {
            if (!h.tryAcquire()) {
                continue; // retired since the snapshot: its successor is in the next one
            }
            AdmissionVerdict v = ask(h, offer);
            AdmissionVerdict.Kind kind = v == null ? AdmissionVerdict.Kind.INSUFFICIENT_RESOURCES : v.kind();
            if (kind == AdmissionVerdict.Kind.ACCEPT) {
                accepted[n] = h;
                contexts[n] = v.context();
                n++;
                continue;
            }
            h.release();
            String reason = v == null ? "insufficient:hook-failed"
                    : kind == AdmissionVerdict.Kind.REFUSE ? "refuse:hook" : "insufficient:hook";
            return decided(offer, kind, reason, key, accepted, contexts, n);
        }
        return decided(offer, AdmissionVerdict.Kind.ACCEPT, Admission.ACCEPTED, key, accepted, contexts, n);
    }

    /** Asks one hook, timed; {@code null} if it threw or answered nothing (both logged). */
    private AdmissionVerdict ask(HookDeployment h, Offer offer) {
        AdmissionStats.HookCounters c = stats.hook(h.name());
        long t0 = System.nanoTime();
        AdmissionVerdict v = null;
        Throwable failure = null;
        try {
            v = h.withContextLoader(() -> h.hook().admit(offer));
        } catch (Throwable e) {
            failure = e;
        }
        long took = System.nanoTime() - t0;
        c.timed(took);
        if (took > SLOW_NANOS) {
            c.slow.increment();
            if (mayLog(c.lastSlowLog, t0 + took)) {
                long unlogged = c.slowUnlogged.sumThenReset();
                LOG.warn("admission hook {} from {} took {} ms to judge {} (hooks must not block: every decision "
                        + "over 1 ms is counted{})", h.className(), h.jarName(), String.format("%.3f", took / 1e6),
                        offer, unlogged == 0 ? "" : "; " + unlogged + " more since the last warning");
            } else {
                c.slowUnlogged.increment();
            }
        }
        if (v == null) {
            c.failed.increment();
            c.insufficient.increment();
            if (mayLog(c.lastFailLog, t0 + took)) {
                if (failure != null) {
                    LOG.error("admission hook {} from {} threw while judging {}: counted as insufficient resources",
                            h.className(), h.jarName(), offer, failure);
                } else {
                    LOG.error("admission hook {} from {} answered null for {}: counted as insufficient resources",
                            h.className(), h.jarName(), offer);
                }
            }
            return null;
        }
        switch (v.kind()) {
            case ACCEPT -> c.accepted.increment();
            case REFUSE -> c.refused.increment();
            case INSUFFICIENT_RESOURCES -> c.insufficient.increment();
        }
        return v;
    }

    private static boolean mayLog(AtomicLong last, long now) {
        long l = last.get();
        return (l == Long.MIN_VALUE || now - l >= LOG_EVERY_NANOS) && last.compareAndSet(l, now);
    }

    private Admission decided(Offer offer, AdmissionVerdict.Kind kind, String reason, InetAddress counted,
                              HookDeployment[] accepted, Object[] contexts, int n) {
        HookDeployment[] hs = n == accepted.length ? accepted : java.util.Arrays.copyOf(accepted, n);
        Object[] cs = n == contexts.length ? contexts : java.util.Arrays.copyOf(contexts, n);
        Object context = null;
        for (Object o : cs) {
            if (o != null) {
                context = o;
            }
        }
        Admission a = new Admission(this, offer, kind, reason, kind == AdmissionVerdict.Kind.ACCEPT ? context : null,
                counted, hs, cs);
        stats.count(a);
        if (kind != AdmissionVerdict.Kind.ACCEPT) {
            a.close(); // give back the count, and tell the hooks that had accepted before a later one said no
        }
        return a;
    }

    /** Gives back what an admission held; called once, by {@link Admission#close()}. */
    void release(Admission a) {
        if (a.countedAs() != null) {
            counts.decrement(a.countedAs());
        }
        if (a.isAccepted()) {
            stats.closed();
        }
        HookDeployment[] hs = a.hooks();
        Object[] cs = a.contexts();
        for (int i = 0; i < hs.length; i++) {
            HookDeployment h = hs[i];
            Object context = cs[i];
            Runnable tell = () -> notifyClosed(h, a.offer(), context);
            try {
                notifier.execute(tell);
            } catch (RejectedExecutionException e) {
                tell.run(); // the pool is stopping: tell it here rather than never
            }
        }
    }

    private void notifyClosed(HookDeployment h, Offer offer, Object context) {
        try {
            h.withContextLoader(() -> {
                h.hook().connectionClosed(offer, context);
                return null;
            });
        } catch (Throwable e) {
            LOG.warn("admission hook {} from {} threw from connectionClosed for {}: {}", h.className(), h.jarName(),
                    offer, e.toString());
        } finally {
            stats.hook(h.name()).closeNotifications.increment();
            h.release();
        }
    }

    /**
     * Carries out a verdict other than accept on a channel that has not been read: a reset for refuse
     * ({@code SO_LINGER} 0), a graceful close and an accept pause for insufficient resources.
     *
     * @param a a turned-down admission
     * @param channel the accepted channel
     */
    public void turnDown(Admission a, SocketChannel channel) {
        if (a.kind() == AdmissionVerdict.Kind.INSUFFICIENT_RESOURCES) {
            pause(a.offer().listener()); // before the close: the client may be connecting again at once
        }
        try {
            if (a.kind() == AdmissionVerdict.Kind.REFUSE) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } else {
                channel.shutdownOutput();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("turning down {}: {}", a, e.toString());
        }
        IO.close(channel);
    }

    /**
     * Carries out a verdict on an open endpoint that no protocol has read from yet (the PROXY layer's case:
     * only the header was read): nothing for accept; otherwise as {@link #turnDown(Admission, SocketChannel)}.
     *
     * @param a the admission
     * @param endPoint the connection's endpoint (wrappers are looked through to find the socket)
     * @return whether the connection is accepted
     */
    public boolean enforce(Admission a, EndPoint endPoint) {
        if (a.isAccepted()) {
            return true;
        }
        EndPoint e = endPoint;
        while (e instanceof EndPoint.Wrapper w) {
            e = w.unwrap();
        }
        if (e.getTransport() instanceof SocketChannel channel && channel.isOpen()) {
            turnDown(a, channel);
        } else if (a.kind() == AdmissionVerdict.Kind.INSUFFICIENT_RESOURCES) {
            pause(a.offer().listener());
        }
        endPoint.close();
        return false;
    }

    private void pause(String listener) {
        AcceptSwitch s;
        synchronized (this) {
            s = switches.get(listener);
        }
        if (s != null && s.pause()) {
            stats.paused();
            LOG.info("listener {}: an admission verdict said insufficient resources; not accepting for {} ms",
                    listener, config.insufficientPause().toMillis());
        }
    }

    /** @param address a client address @return its open, admitted connections */
    public int openFrom(InetAddress address) {
        return counts.get(AddressKey.of(address));
    }

    /** @return {@code {"admission": {...}}} for the status document */
    public ObjectNode statusJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode n = root.putObject("admission");
        ObjectNode p = n.putObject("policies");
        p.put("maxConnections", config.maxConnections());
        p.put("maxConnectionsPerIp", config.maxConnectionsPerIp());
        p.put("acceptRatePerIp", config.acceptRatePerIp());
        config.allow().forEach(p.putArray("allow")::add);
        config.deny().forEach(p.putArray("deny")::add);
        ConnectionCap c = cap;
        if (c != null) {
            n.put("openConnections", c.getNetworkConnectionCount());
            n.put("maxConnectionsReached", c.reached());
        }
        n.put("addressesHoldingConnections", counts.addresses());
        ArrayNode paused = n.putArray("paused");
        synchronized (this) {
            switches.forEach((name, s) -> {
                if (s.isPaused()) {
                    paused.add(name);
                }
            });
        }
        n.setAll(stats.toJson());
        ArrayNode hs = n.putArray("hooks");
        for (HookDeployment h : hooks.active()) {
            hs.add(hookJson(h));
        }
        for (HookDeployment h : hooks.retiring()) {
            hs.add(hookJson(h));
        }
        return root;
    }

    private ObjectNode hookJson(HookDeployment h) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", h.name());
        o.put("jar", h.jarName());
        o.put("class", h.className());
        o.put("state", h.state().name());
        o.put("deployedAt", h.deployedAt().toString());
        o.put("connections", Math.max(0, h.references() - (h.state() == HookDeployment.State.ACTIVE ? 1 : 0)));
        o.setAll(stats.hookJson(h.name()));
        return o;
    }
}
