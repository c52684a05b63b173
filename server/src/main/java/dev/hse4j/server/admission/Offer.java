package dev.hse4j.server.admission;

import dev.hse4j.api.ConnectionOffer;
import dev.hse4j.api.RedirectRecord;

import java.net.InetSocketAddress;

/**
 * The server's {@link ConnectionOffer}. Built by whoever admits the connection: the connector at accept, or
 * the PROXY layer once the header has been read (then {@code remote} is the original client, {@code proxy}
 * the TCP peer). The open-connection count is filled in by the {@link AdmissionGate} before any hook sees it.
 */
public final class Offer implements ConnectionOffer {

    private final long connectionId;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final String listener;
    private final RedirectRecord redirectRecord;
    private final InetSocketAddress proxy;
    private volatile int openFromAddress;

    /**
     * @param connectionId the connection's id
     * @param remote the client's address (the original client's when proxied)
     * @param local the address the connection arrived at
     * @param listener {@code http} or {@code https}
     * @param redirectRecord the PROXY header, or {@code null}
     * @param proxy the proxy's own address (the TCP peer) when proxied, else {@code null}
     */
    public Offer(long connectionId, InetSocketAddress remote, InetSocketAddress local, String listener,
                 RedirectRecord redirectRecord, InetSocketAddress proxy) {
        this.connectionId = connectionId;
        this.remote = remote;
        this.local = local;
        this.listener = listener;
        this.redirectRecord = redirectRecord;
        this.proxy = proxy;
    }

    void openFromAddress(int n) {
        this.openFromAddress = n;
    }

    @Override public long connectionId() { return connectionId; }
    @Override public InetSocketAddress remoteAddress() { return remote; }
    @Override public InetSocketAddress localAddress() { return local; }
    @Override public String listener() { return listener; }
    @Override public int openConnectionsFromAddress() { return openFromAddress; }
    @Override public RedirectRecord redirectRecord() { return redirectRecord; }
    @Override public InetSocketAddress proxyAddress() { return proxy; }

    @Override
    public String toString() {
        return "connection " + connectionId + " from " + remote + " on " + listener;
    }
}
