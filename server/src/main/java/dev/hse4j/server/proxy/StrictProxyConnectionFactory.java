package dev.hse4j.server.proxy;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first protocol of a PROXY-protocol listener: what Jetty's {@code ProxyConnectionFactory} does,
 * made strict. A connection from a peer outside the trusted set is reset at once, before a byte is read
 * (the specification forbids taking a header from anyone else, and without the gate anyone reaching the
 * port could forge a client address). From a trusted peer the header is mandatory, v1 or v2, within a
 * deadline and a size limit; see {@link ProxyHeaderConnection}.
 */
final class StrictProxyConnectionFactory extends AbstractConnectionFactory {

    /** The protocol name on the connector. */
    static final String PROTOCOL = "hse4j-proxy";

    private static final Logger LOG = LoggerFactory.getLogger(StrictProxyConnectionFactory.class);

    private final ProxyListener listener;

    StrictProxyConnectionFactory(ProxyListener listener) {
        super(PROTOCOL);
        this.listener = listener;
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        if (!listener.trusted().trusts(endPoint.getRemoteSocketAddress())) {
            listener.stats().reject(Rejection.UNTRUSTED);
            return configure(new Refused(endPoint, connector), connector, endPoint);
        }
        String nextProtocol = findNextProtocol(connector);
        ConnectionFactory next = nextProtocol == null ? null : connector.getConnectionFactory(nextProtocol);
        if (next == null) {
            throw new IllegalStateException("nothing follows " + PROTOCOL + " on " + connector);
        }
        return configure(new ProxyHeaderConnection(endPoint, connector, next, listener), connector, endPoint);
    }

    /** A connection from an untrusted peer: reset (RST, via SO_LINGER 0) on open, nothing read. */
    static final class Refused extends AbstractConnection {
        Refused(EndPoint endPoint, Connector connector) {
            super(endPoint, connector.getExecutor());
        }

        @Override
        public void onOpen() {
            super.onOpen();
            LOG.debug("resetting {}: not a trusted proxy", getEndPoint().getRemoteSocketAddress());
            if (getEndPoint().getTransport() instanceof SocketChannel ch) {
                try {
                    ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                } catch (IOException e) {
                    LOG.debug("SO_LINGER 0 failed; closing normally", e);
                }
            }
            getEndPoint().close();
        }

        @Override
        public void onFillable() {
            // never asked for: no fillInterested
        }
    }
}
