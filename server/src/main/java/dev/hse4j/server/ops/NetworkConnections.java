package dev.hse4j.server.ops;

import dev.hse4j.server.proxy.ProxyProtocol;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;

/**
 * Hands Micrometer's Jetty connection meters one connection per socket. Jetty stacks connections on a TLS
 * socket (the {@code SslConnection} on the network, HTTP/1.1 or HTTP/2 on its decrypted end point) and, on a
 * PROXY listener, hands the socket from the header reader to the next protocol; every one of them tells the
 * connector's listeners it opened, so counting them all would count a TLS socket twice. The one counted is
 * the connection on the network side: its bytes are the bytes on the wire. Connections a PROXY listener
 * refused are counted by {@code hse4j_proxy_refused_total} instead.
 */
final class NetworkConnections implements Connection.Listener {

    private final Connection.Listener meters;

    NetworkConnections(Connection.Listener meters) {
        this.meters = meters;
    }

    static boolean isNetworkSide(Connection c) {
        return !(c.getEndPoint() instanceof SslConnection.SslEndPoint) && !ProxyProtocol.isHeaderStage(c);
    }

    @Override
    public void onOpened(Connection connection) {
        if (isNetworkSide(connection)) {
            meters.onOpened(connection);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (isNetworkSide(connection)) {
            meters.onClosed(connection);
        }
    }
}
