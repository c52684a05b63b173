package dev.hse4j.server.tls;

import java.util.List;

import javax.net.ssl.SSLEngine;

import org.eclipse.jetty.alpn.server.ALPNServerConnection;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;

/**
 * ALPN that selects only a protocol hse4j speaks ({@code h2}, {@code http/1.1}), the same way on
 * Conscrypt and on the JDK's TLS.
 *
 * <p>When the client offers none of them ({@code ftp}, {@code foo}...), the handshake goes on without
 * ALPN (no protocol in the ServerHello) and the connection speaks HTTP/1.1, as nginx does: RFC 7301
 * allows a server to ignore the extension, and a client that can only speak something else learns it from
 * the missing answer. Jetty's own selectors differ here: on the JDK the handshake fails with a
 * {@code no_application_protocol} alert; on Conscrypt its selector throws into BoringSSL, which then
 * "selects" the client's first protocol and the connection dies after the handshake. So this factory
 * replaces the selector Jetty's ALPN processor installed, on each new connection, with one decision for
 * both providers.
 */
final class AlpnSelection extends ALPNServerConnectionFactory {

    /**
     * @param protocols the protocols hse4j speaks, preferred first; the last is the fallback
     */
    AlpnSelection(List<String> protocols) {
        super(protocols.toArray(new String[0]));
        setDefaultProtocol(protocols.get(protocols.size() - 1));
    }

    @Override
    protected AbstractConnection newServerConnection(Connector connector, EndPoint endPoint, SSLEngine engine,
                                                     List<String> protocols, String defaultProtocol) {
        AbstractConnection c = super.newServerConnection(connector, endPoint, engine, protocols, defaultProtocol);
        ALPNServerConnection alpn = (ALPNServerConnection) c;
        if (engine.getClass().getName().startsWith("org.conscrypt.")) {
            // Conscrypt: null means "none acceptable", which BoringSSL answers by leaving ALPN out.
            org.conscrypt.Conscrypt.setApplicationProtocolSelector(engine, new org.conscrypt.ApplicationProtocolSelector() {
                @Override
                public String selectApplicationProtocol(SSLEngine e, List<String> offered) {
                    String p = select(alpn, offered);
                    return p.isEmpty() ? null : p;
                }

                @Override
                public String selectApplicationProtocol(javax.net.ssl.SSLSocket s, List<String> offered) {
                    throw new UnsupportedOperationException("hse4j uses SSLEngine only");
                }
            });
        } else {
            // The JDK: "" means "do not use ALPN"; null would make it send no_application_protocol.
            engine.setHandshakeApplicationProtocolSelector((e, offered) -> select(alpn, offered));
        }
        return c;
    }

    /**
     * The server's first protocol the client offers (Jetty's rules, so h2 still needs an h2-worthy cipher
     * suite), or, if there is none, the fallback without ALPN.
     *
     * @return the protocol for the ServerHello, or "" to answer without ALPN
     */
    private static String select(ALPNServerConnection alpn, List<String> offered) {
        try {
            alpn.select(offered);
            return alpn.getProtocol();
        } catch (IllegalStateException noOverlap) {
            alpn.unsupported(); // the connection speaks the default protocol, http/1.1
            return "";
        }
    }
}
