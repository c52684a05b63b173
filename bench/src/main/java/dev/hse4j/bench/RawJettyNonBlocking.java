package dev.hse4j.bench;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The baseline an engineer would write by hand: raw Jetty 12 core with a <b>non-blocking</b> handler
 * ({@link Handler.Abstract.NonBlocking}), so Jetty runs it on the selector thread without a dispatch, on
 * plain HTTP and HTTPS in one process, the connectors set up as hse4j's: {@code QueuedThreadPool(200, 8)},
 * accept queue 4096, no {@code Server} header; HTTPS on Conscrypt with TLS 1.3 + 1.2, the same AEAD suites,
 * ALPN {@code h2} + {@code http/1.1}, direct buffers for BoringSSL, {@code SecureRequestCustomizer} without
 * the SNI host check. The routes ({@code /hello}, {@code /stream}) are {@link RawJettyServer.Routes}' and
 * write the same bytes as hse4j's samples; none of them blocks.
 *
 * <p>Usage: {@code java -cp hse4j-bench.jar dev.hse4j.bench.RawJettyNonBlocking HTTP_PORT HTTPS_PORT KEYSTORE.p12 PASSWORD}.
 */
public final class RawJettyNonBlocking {

    private RawJettyNonBlocking() {
    }

    /** @param args HTTP port, HTTPS port, PKCS#12 keystore, password @throws Exception if Jetty cannot start */
    public static void main(String[] args) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(200, 8);
        pool.setName("raw-nb");
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);

        ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory(http));
        plain.setHost("127.0.0.1");
        plain.setPort(Integer.parseInt(args[0]));
        plain.setAcceptQueueSize(4096);
        server.addConnector(plain);

        HttpConfiguration https = new HttpConfiguration(http);
        SslContextFactory.Server scf = BenchTls.conscrypt(args[2], args[3]);
        ServerConnector secure = BenchTls.connector(server, https, scf, Integer.parseInt(args[1]));
        secure.setAcceptQueueSize(4096);
        server.addConnector(secure);

        server.setHandler(new NonBlockingRoutes());
        server.start();
        System.out.println("raw jetty non-blocking (" + scf.getSslContext().getProvider().getName()
                + ") listening on http://127.0.0.1:" + plain.getLocalPort() + "/ and https://127.0.0.1:"
                + secure.getLocalPort() + "/");
        server.join();
    }

    /** {@link RawJettyServer.Routes}, declared non-blocking (its blocking diagnostic route left out). */
    static final class NonBlockingRoutes extends Handler.Abstract.NonBlocking {
        private final RawJettyServer.Routes routes = new RawJettyServer.Routes();

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if ("/hello-blocking".equals(Request.getPathInContext(request))) {
                return false;
            }
            return routes.handle(request, response, callback);
        }
    }
}
