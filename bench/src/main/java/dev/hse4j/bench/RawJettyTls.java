package dev.hse4j.bench;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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
        QueuedThreadPool pool = new QueuedThreadPool(200, 8);
        pool.setName("raw-tls");
        Server server = new Server(pool);
        HttpConfiguration https = new HttpConfiguration();
        https.setSendServerVersion(false);
        https.setSendXPoweredBy(false);
        SslContextFactory.Server scf = BenchTls.conscrypt(args[1], args[2]);
        ServerConnector connector = BenchTls.connector(server, https, scf, port);
        server.addConnector(connector);
        server.setHandler(new RawJettyServer.Routes()); // the same routes as the plain-HTTP baseline
        server.start();
        System.out.println("raw jetty (" + scf.getSslContext().getProvider().getName() + ") listening on https://127.0.0.1:"
                + connector.getLocalPort() + "/");
        server.join();
    }
}
