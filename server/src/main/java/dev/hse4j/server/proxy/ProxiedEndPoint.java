package dev.hse4j.server.proxy;

import dev.hse4j.api.RedirectRecord;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.server.Request;

/**
 * A connection that came through a trusted proxy, as everything above the PROXY layer sees it: its remote
 * address is the original client's (so Jetty's request, the access log and the server variables report the
 * client), its local address the one the client connected to; the proxy's own address and the redirect
 * record ride along. An SSL TLV saying the client spoke TLS to the balancer makes the connection secure
 * (HTTPS, SERVER_PORT_SECURE). Reuses Jetty's {@link ProxyConnectionFactory.ProxyEndPoint} for the
 * delegation; the TLV map it also offers is not filled: the record keeps the TLVs in wire order.
 */
public final class ProxiedEndPoint extends ProxyConnectionFactory.ProxyEndPoint {

    private final ParsedRecord record;

    ProxiedEndPoint(EndPoint endPoint, SocketAddress local, SocketAddress remote, ParsedRecord record,
                    SslSessionData ssl) {
        super(endPoint, local, remote, null, ssl);
        this.record = record;
    }

    /**
     * Wraps {@code endPoint} after a valid header.
     *
     * @param endPoint the accepted connection (its remote address is the proxy's)
     * @param record the header; a v2 {@code LOCAL} header leaves the connection without a record
     * @return the wrapper
     */
    static ProxiedEndPoint wrap(EndPoint endPoint, ParsedRecord record) {
        if (record.command() == RedirectRecord.Command.LOCAL) {
            return new ProxiedEndPoint(endPoint, endPoint.getLocalSocketAddress(), endPoint.getRemoteSocketAddress(),
                    null, null);
        }
        // UNSPEC, UNKNOWN and UNIX headers carry no IP addresses: the specification says to keep the real ones.
        boolean inet = record.source() != null && record.destination() != null;
        SocketAddress remote = inet ? record.source() : endPoint.getRemoteSocketAddress();
        SocketAddress local = inet ? record.destination() : endPoint.getLocalSocketAddress();
        RedirectRecord.Ssl ssl = record.ssl();
        SslSessionData sslData = ssl != null && ssl.isTls() ? SslSessionData.from(null, null, ssl.cipher(), null) : null;
        return new ProxiedEndPoint(endPoint, local, remote, record, sslData);
    }

    /** @return the redirect record, or {@code null} for a v2 {@code LOCAL} connection */
    public RedirectRecord record() {
        return record;
    }

    ParsedRecord parsedRecord() {
        return record;
    }

    /** @return the proxy's own address and port: the TCP peer hse4j accepted */
    public InetSocketAddress proxyAddress() {
        SocketAddress a = unwrap().getRemoteSocketAddress();
        return a instanceof InetSocketAddress i ? i : null;
    }

    /**
     * @param request a request
     * @return the PROXY layer's view of the request's connection, or {@code null} when it did not come
     *         through a PROXY-protocol listener
     */
    public static ProxiedEndPoint of(Request request) {
        Connection c = request.getConnectionMetaData().getConnection();
        EndPoint e = c == null ? null : c.getEndPoint();
        while (e != null) {
            if (e instanceof ProxiedEndPoint p) {
                return p;
            }
            e = e instanceof EndPoint.Wrapper w ? w.unwrap() : null;
        }
        return null;
    }
}
