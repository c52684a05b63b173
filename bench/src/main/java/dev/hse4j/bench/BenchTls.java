package dev.hse4j.bench;

import java.security.Security;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The TLS listener of the raw Jetty baselines, set up once as hse4j's own: Conscrypt, TLS 1.3 and 1.2 with
 * the same AEAD suites, h2 and http/1.1 by ALPN, direct buffers, no SNI host check. Every raw baseline uses
 * this, so they cannot drift apart from each other.
 */
final class BenchTls {

    private BenchTls() {
    }

    /** @return Conscrypt's context factory for this PKCS#12 keystore (Conscrypt installed if it is not) */
    static SslContextFactory.Server conscrypt(String keystore, String password) {
        if (Security.getProvider("Conscrypt") == null) {
            Security.addProvider(org.conscrypt.Conscrypt.newProvider());
        }
        SslContextFactory.Server scf = new SslContextFactory.Server();
        scf.setProvider("Conscrypt");
        scf.setKeyStorePath(keystore);
        scf.setKeyStorePassword(password);
        scf.setKeyStoreType("PKCS12");
        scf.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        scf.setIncludeCipherSuites("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        scf.setUseCipherSuitesOrder(true);
        scf.setRenegotiationAllowed(false);
        scf.setSniRequired(false);
        return scf;
    }

    /**
     * @param https the HTTP configuration of the secure listener (a customizer is added to it)
     * @return a 127.0.0.1 connector speaking TLS, then h2 or http/1.1 by ALPN, not yet added to the server
     */
    static ServerConnector connector(Server server, HttpConfiguration https, SslContextFactory.Server scf, int port) {
        https.setSecureScheme("https");
        SecureRequestCustomizer src = new SecureRequestCustomizer();
        src.setSniHostCheck(false);
        https.addCustomizer(src);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        SslConnectionFactory ssl = new SslConnectionFactory(scf, alpn.getProtocol());
        ssl.setDirectBuffersForEncryption(true);
        ssl.setDirectBuffersForDecryption(true);
        ServerConnector c = new ServerConnector(server, ssl, alpn, new HTTP2ServerConnectionFactory(https),
                new HttpConnectionFactory(https));
        c.setHost("127.0.0.1");
        c.setPort(port);
        return c;
    }
}
