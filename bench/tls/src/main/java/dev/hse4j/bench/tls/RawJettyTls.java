package dev.hse4j.bench.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Security;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The baseline for the TLS benchmark: raw Jetty 12 core on Conscrypt, with the same TLS setup as hse4j's
 * HTTPS connector (TLS 1.3 + 1.2, the same AEAD suites, ALPN h2 + http/1.1, direct buffers), answering the
 * same bytes as hse4j's samples without the extension host in between:
 * {@code /hello} (18 bytes) and {@code /stream?bytes=N&chunk=K} (N bytes of i mod 251 in K-byte writes
 * chained from each write's callback; Jetty's TLS layer cuts them into 16 KB records itself).
 *
 * <p>Usage: {@code java -jar hse4j-bench-tls.jar PORT KEYSTORE.p12 PASSWORD}.
 */
public final class RawJettyTls {

    static final byte[] HELLO = "Hello from hse4j!\n".getBytes(StandardCharsets.US_ASCII);
    static final int PERIOD = 251;

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
        server.setHandler(new Routes());
        server.start();
        System.out.println("raw jetty (" + scf.getSslContext().getProvider().getName() + ") listening on https://127.0.0.1:"
                + connector.getLocalPort() + "/");
        server.join();
    }

    static final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            switch (Request.getPathInContext(request)) {
                case "/hello" -> {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=us-ascii");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, HELLO.length);
                    response.write(true, ByteBuffer.wrap(HELLO), callback);
                }
                case "/stream" -> {
                    Fields q = Request.extractQueryParameters(request);
                    long bytes = Long.parseLong(q.getValue("bytes") == null ? "0" : q.getValue("bytes"));
                    int chunk = Integer.parseInt(q.getValue("chunk") == null ? "65536" : q.getValue("chunk"));
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes);
                    new Stream(response, callback, bytes, chunk).iterate();
                }
                default -> {
                    return false;
                }
            }
            return true;
        }
    }

    /** Chained K-byte writes of the pattern, each from the previous write's callback. */
    static final class Stream extends IteratingCallback {
        private final Response response;
        private final Callback callback;
        private final long total;
        private final int chunk;
        private final byte[] pattern;
        private long sent;

        Stream(Response response, Callback callback, long total, int chunk) {
            this.response = response;
            this.callback = callback;
            this.total = total;
            this.chunk = (int) Math.max(1, Math.min(chunk, total));
            this.pattern = new byte[this.chunk + PERIOD];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i % PERIOD);
            }
        }

        @Override
        protected Action process() {
            if (sent >= total) {
                return Action.SUCCEEDED;
            }
            int n = (int) Math.min(chunk, total - sent);
            ByteBuffer b = ByteBuffer.wrap(pattern, (int) (sent % PERIOD), n);
            sent += n;
            response.write(sent >= total, b, this);
            return Action.SCHEDULED;
        }

        @Override
        protected void onCompleteSuccess() {
            callback.succeeded();
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            callback.failed(cause);
        }
    }
}
