package dev.hse4j.server.net;

import dev.hse4j.api.RedirectRecord;
import dev.hse4j.server.admission.Admission;

import java.net.InetSocketAddress;
import java.time.Instant;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/**
 * What hse4j knows of one TCP connection, from accept to close, whatever protocols run on it (TLS, ALPN,
 * HTTP/1.1, HTTP/2, PROXY): carried by its {@link Hse4jEndPoint}, because Jetty's endpoints have no
 * attributes and its per-connection metadata only exists once HTTP is running.
 *
 * <p>Slots: the {@link Admission} (verdict, context, what to give back at close), and, set by the PROXY
 * layer, the {@link RedirectRecord} and the proxy's own address. Find it from a request with
 * {@link #of(Request)} or from any endpoint with {@link #of(EndPoint)}; both look through
 * {@link EndPoint.Wrapper}s (TLS, PROXY), so wrapping endpoints must implement that interface.
 *
 * <p>Thread-safe: the slots are volatile; attaching an admission and closing are ordered by a lock so that
 * an admission attached after the connection closed is released at once, and the close is told exactly once.
 */
public final class ConnectionState {

    private final long id;
    private final String listener;
    private final InetSocketAddress peer;
    private final InetSocketAddress local;
    private final Instant acceptedAt = Instant.now();
    private volatile Admission admission;
    private volatile RedirectRecord redirectRecord;
    private volatile InetSocketAddress proxyAddress;
    private boolean closed; // guarded by this

    /**
     * @param id the connection's id (from the admission gate, so offers and states agree)
     * @param listener {@code http} or {@code https}
     * @param peer the TCP peer (the proxy, on a PROXY listener)
     * @param local the local address of the socket
     */
    public ConnectionState(long id, String listener, InetSocketAddress peer, InetSocketAddress local) {
        this.id = id;
        this.listener = listener;
        this.peer = peer;
        this.local = local;
    }

    /** @return the connection's id */
    public long id() { return id; }
    /** @return {@code http} or {@code https} */
    public String listener() { return listener; }
    /** @return the TCP peer's address (the proxy's, when the connection came through one) */
    public InetSocketAddress peer() { return peer; }
    /** @return the local address */
    public InetSocketAddress local() { return local; }
    /** @return when the connection was accepted */
    public Instant acceptedAt() { return acceptedAt; }
    /** @return the admission, or {@code null} (not admitted yet, or a listener without admission) */
    public Admission admission() { return admission; }

    /** @return the context the admission hooks gave the connection, or {@code null} */
    public Object context() {
        Admission a = admission;
        return a == null ? null : a.context();
    }

    /** @return the PROXY header of the connection, or {@code null} when it did not come through a proxy */
    public RedirectRecord redirectRecord() { return redirectRecord; }

    /** @param r the PROXY header read at the start of the connection (set by the PROXY layer) */
    public void redirectRecord(RedirectRecord r) { this.redirectRecord = r; }

    /** @return the proxy's own address when the connection came through one, else {@code null} */
    public InetSocketAddress proxyAddress() { return proxyAddress; }

    /** @param a the proxy's own address (set by the PROXY layer) */
    public void proxyAddress(InetSocketAddress a) { this.proxyAddress = a; }

    /**
     * Attaches an accepted admission: the connection's close will release it. If the connection has closed
     * already, it is released now.
     *
     * @param a the admission (accepted)
     */
    public void admitted(Admission a) {
        boolean late;
        synchronized (this) {
            late = closed;
            if (!late) {
                admission = a;
            }
        }
        if (late) {
            a.close();
        }
    }

    /** The connection closed: releases its admission (once; later calls do nothing). */
    void closed() {
        Admission a;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            a = admission;
        }
        if (a != null) {
            a.close();
        }
    }

    /** @return whether the connection has closed */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * @param endPoint any endpoint of the connection (wrapped by TLS, PROXY... or not)
     * @return its state, or {@code null} if it was not accepted by an {@link Hse4jConnector}
     */
    public static ConnectionState of(EndPoint endPoint) {
        EndPoint e = endPoint;
        while (e != null) {
            if (e instanceof Hse4jEndPoint h) {
                return h.state();
            }
            e = e instanceof EndPoint.Wrapper w ? w.unwrap() : null;
        }
        return null;
    }

    /**
     * @param request a request (HTTP/1.1 or an HTTP/2 stream)
     * @return its connection's state, or {@code null}
     */
    public static ConnectionState of(Request request) {
        var connection = request.getConnectionMetaData().getConnection();
        return connection == null ? null : of(connection.getEndPoint());
    }

    @Override
    public String toString() {
        return "connection " + id + " from " + peer + " on " + listener;
    }
}
