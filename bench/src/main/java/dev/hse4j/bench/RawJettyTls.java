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
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The baseline for the TLS benchmark: raw Jetty 12 core on Conscrypt, with the same TLS setup as hse4j's
 * HTTPS connector (TLS 1.3 + 1.2, the same AEAD suites, ALPN h2 + http/1.1, direct buffers), answering the
 * same bytes as hse4j's samples without the extension host in between:
 * {@code /hello} (18 bytes) and {@code /stream?bytes=N&chunk=K} (N bytes of i mod 251 in K-byte writes
 * chained from each write's callback; Jetty's TLS layer cuts them into 16 KB records itself).
 *
 * <p>Usage: {@code java -cp hse4j-bench.jar dev.hse4j.bench.RawJettyTls PORT KEYSTORE.p12 PASSWORD}.
 */
public final class RawJettyTls {

    private RawJettyTls() {
    }

    /** @param args port, PKCS#12 keystore, password @throws Exception if Jetty cannot start */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        if (Security.getProvider("Conscrypt") == null) {
            Security.addProvider(org.conscrypt.Conscrypt.newProvider());
        }
        QueuedThreadPool pool = new QueuedThreadPool(200, 8);
        pool.setName("raw-tls");
        Server server = new Server(pool);
        HttpConfiguration https = new HttpConfiguration();
        https.setSendServerVersion(false);
        https.setSendXPoweredBy(false);
        SecureRequestCustomizer src = new SecureRequestCustomizer();
        src.setSniHostCheck(false);
        https.addCustomizer(src);

        SslContextFactory.Server scf = new SslContextFactory.Server();
        scf.setProvider("Conscrypt");
        scf.setKeyStorePath(args[1]);
        scf.setKeyStorePassword(args[2]);
        scf.setKeyStoreType("PKCS12");
        scf.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        scf.setIncludeCipherSuites("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        scf.setUseCipherSuitesOrder(true);

        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        SslConnectionFactory ssl = new SslConnectionFactory(scf, alpn.getProtocol());
        ssl.setDirectBuffersForEncryption(true);
        ssl.setDirectBuffersForDecryption(true);
        ServerConnector connector = new ServerConnector(server, ssl, alpn, new HTTP2ServerConnectionFactory(https),
                new HttpConnectionFactory(https));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new RawJettyServer.Routes()); // the same routes as the plain-HTTP baseline
        server.start();
        System.out.println("raw jetty (" + scf.getSslContext().getProvider().getName() + ") listening on https://127.0.0.1:"
                + connector.getLocalPort() + "/");
        server.join();
    }
}
