package dev.hse4j.server.proxy;

import dev.hse4j.server.admission.Admission;
import dev.hse4j.server.admission.AdmissionGate;
import dev.hse4j.server.admission.Offer;
import dev.hse4j.server.net.ConnectionState;
import dev.hse4j.server.net.Hse4jConnector;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the mandatory PROXY header of a connection from a trusted proxy, then hands the connection, wrapped
 * in a {@link ProxiedEndPoint}, to the listener's next protocol (TLS or HTTP), with any bytes read past the
 * header. On an hse4j connector the header's client is then offered to connection admission (which the
 * listener skipped at accept), and the record and the proxy's address go into the connection's state.
 *
 * <pre>
 *   READING --(valid header)--------------------> PASSED    (upgraded to the next protocol)
 *   READING --(invalid, closed early, timeout)--> REJECTED  (closed and counted by reason)
 * </pre>
 * {@link #transition} is the only place the state changes; the header deadline races the reads for it.
 */
final class ProxyHeaderConnection extends AbstractConnection implements Connection.UpgradeFrom {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyHeaderConnection.class);
    /** HAProxy's headers, TLVs included, fit in this; a larger one grows the buffer up to the limit. */
    private static final int INITIAL_BUFFER = 512;

    enum State { READING, PASSED, REJECTED }

    private final AtomicReference<State> state = new AtomicReference<>(State.READING);
    private final Connector connector;
    private final ConnectionFactory next;
    private final ProxyListener listener;
    private final Scheduler scheduler;
    private ByteBuffer buffer; // flush mode; only touched by the thread running onFillable
    private ByteBuffer leftover;
    private Scheduler.Task deadline;

    ProxyHeaderConnection(EndPoint endPoint, Connector connector, ConnectionFactory next, ProxyListener listener) {
        super(endPoint, connector.getExecutor());
        this.connector = connector;
        this.next = next;
        this.listener = listener;
        this.scheduler = connector.getScheduler();
        this.buffer = BufferUtil.allocate(Math.min(INITIAL_BUFFER, listener.maxHeaderBytes()));
    }

    @Override
    public void onOpen() {
        super.onOpen();
        Duration t = listener.headerTimeout();
        deadline = scheduler.schedule(this::expire, t.toMillis(), TimeUnit.MILLISECONDS);
        fillInterested();
    }

    @Override
    public void onFillable() {
        try {
            while (state.get() == State.READING) {
                if (BufferUtil.space(buffer) == 0 && !grow()) {
                    reject(Rejection.OVERSIZED, "buffer full at " + buffer.remaining() + " bytes");
                    return;
                }
                int n = getEndPoint().fill(buffer);
                if (n < 0) {
                    reject(Rejection.TRUNCATED, "closed after " + buffer.remaining() + " header bytes");
                    return;
                }
                if (n == 0) {
                    fillInterested();
                    return;
                }
                listener.stats().headerBytesRead(n);
                ProxyHeaderParser.Result r = ProxyHeaderParser.parse(buffer, listener.maxHeaderBytes());
                if (r instanceof ProxyHeaderParser.Invalid bad) {
                    reject(bad.reason(), bad.detail());
                    return;
                }
                if (r instanceof ProxyHeaderParser.Complete done) {
                    pass(done);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            reject(Rejection.TRUNCATED, "read failed: " + e);
        }
    }

    private boolean grow() {
        int cap = buffer.capacity();
        if (cap >= listener.maxHeaderBytes()) {
            return false;
        }
        ByteBuffer bigger = BufferUtil.allocate(Math.min(cap * 4, listener.maxHeaderBytes()));
        BufferUtil.append(bigger, buffer);
        buffer = bigger;
        return true;
    }

    private void pass(ProxyHeaderParser.Complete done) {
        if (!transition(State.PASSED)) {
            return; // the deadline won
        }
        deadline.cancel();
        ParsedRecord record = done.record();
        listener.stats().accepted(record.version(), record.command() == dev.hse4j.api.RedirectRecord.Command.LOCAL);
        buffer.position(buffer.position() + done.length());
        leftover = buffer;
        buffer = null;
        ProxiedEndPoint proxied = ProxiedEndPoint.wrap(getEndPoint(), record);
        if (!admit(proxied)) {
            return; // turned down: the gate has reset or closed the connection
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} from {}: {}", record.command(), proxied.proxyAddress(), record);
        }
        Connection upgraded = next.newConnection(connector, proxied);
        proxied.upgrade(upgraded);
    }

    /**
     * Admission judges the original client now that the header named it (the connector left it to this
     * layer): an offer with the client's address, the record and the proxy's address.
     *
     * @return whether the connection goes on
     */
    private boolean admit(ProxiedEndPoint proxied) {
        ConnectionState state = ConnectionState.of(getEndPoint());
        if (state == null) {
            return true; // not accepted by an hse4j connector: nothing to record, no gate
        }
        state.redirectRecord(proxied.record());
        state.proxyAddress(proxied.proxyAddress());
        if (!(connector instanceof Hse4jConnector h) || h.admitsAtAccept()) {
            return true;
        }
        AdmissionGate gate = h.gate();
        Admission a = gate.admit(new Offer(state.id(), (InetSocketAddress) proxied.getRemoteSocketAddress(),
                (InetSocketAddress) proxied.getLocalSocketAddress(), state.listener(), proxied.record(),
                proxied.proxyAddress()));
        if (!gate.enforce(a, getEndPoint())) {
            return false;
        }
        state.admitted(a);
        return true;
    }

    /** Bytes the peer sent after the header: the next protocol's (a TLS ClientHello, an HTTP request). */
    @Override
    public ByteBuffer onUpgradeFrom() {
        ByteBuffer rest = leftover;
        leftover = null;
        return BufferUtil.hasContent(rest) ? rest : null;
    }

    private void expire() {
        if (transition(State.REJECTED)) {
            listener.stats().reject(Rejection.TIMEOUT);
            LOG.debug("no complete PROXY header from {} within {}", getEndPoint().getRemoteSocketAddress(),
                    listener.headerTimeout());
            getEndPoint().close();
        }
    }

    private void reject(Rejection why, String detail) {
        if (transition(State.REJECTED)) {
            if (deadline != null) {
                deadline.cancel();
            }
            listener.stats().reject(why);
            // Debug, not warn: a misbehaving or hostile peer must not be able to flood the log; the
            // counters on the status page show that it happens.
            LOG.debug("closing {}: {} ({})", getEndPoint().getRemoteSocketAddress(), why, detail);
            buffer = null;
            getEndPoint().close();
        }
    }

    private boolean transition(State to) {
        return state.compareAndSet(State.READING, to);
    }

    @Override
    protected boolean onReadTimeout(java.util.concurrent.TimeoutException timeout) {
        // The idle timeout is longer than the header deadline; if it fires first anyway, it is a timeout.
        if (transition(State.REJECTED)) {
            listener.stats().reject(Rejection.TIMEOUT);
        }
        return true;
    }

    /** @return the state, for tests and dumps */
    State state() {
        return state.get();
    }
}
