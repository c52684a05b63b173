package dev.hse4j.api;

import java.net.InetSocketAddress;

/**
 * One incoming connection as an {@link AdmissionHook} sees it, before any byte of it has been read.
 * Immutable; implemented by the server.
 */
public interface ConnectionOffer {

    /** @return an id unique to this connection in this server's life */
    long connectionId();

    /**
     * @return the client's address and port: the peer of the TCP connection, or, on a listener with the
     *         PROXY protocol, the original client the trusted proxy reported (see {@link #redirectRecord()})
     */
    InetSocketAddress remoteAddress();

    /** @return the local address and port the connection arrived at (as the server sees its socket) */
    InetSocketAddress localAddress();

    /** @return the listener: {@code "http"} or {@code "https"} */
    String listener();

    /**
     * @return how many connections from the same client address are open and admitted right now, not
     *         counting this one (IPv6 addresses count per /64 network)
     */
    int openConnectionsFromAddress();

    /**
     * @return the PROXY protocol header the trusted proxy sent, when the connection came through one, else
     *         {@code null}
     */
    RedirectRecord redirectRecord();

    /**
     * @return the address and port of the proxy the connection came through (the TCP peer), or
     *         {@code null} when it did not come through one
     */
    default InetSocketAddress proxyAddress() {
        return null;
    }
}
