package dev.hse4j.server.tls;

import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.TestServer;

import io.restassured.RestAssured;
import io.restassured.config.SSLConfig;
import io.restassured.specification.RequestSpecification;

import java.net.http.HttpClient;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.function.UnaryOperator;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Helpers for the TLS tests: a server with HTTPS on an ephemeral port, and clients that trust it. */
final class TlsTesting {

    private TlsTesting() {
    }

    /** @param t changes to the HTTPS configuration @return a config tweak enabling HTTPS on port 0 */
    static UnaryOperator<dev.hse4j.server.config.ServerConfig.Builder> https(UnaryOperator<TlsConfig.Builder> t) {
        return b -> b.tls(t.apply(TlsConfig.builder().port(0)).build());
    }

    /** @param server a started server @return its certificate */
    static X509Certificate certificate(TestServer server) {
        return server.server().tls().keys().certificate();
    }

    /** @param trusted the certificate to trust @return a keystore holding it */
    static KeyStore trustStore(X509Certificate trusted) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("server", trusted);
        return ks;
    }

    /** @param trusted the server certificate @return a JDK TLS context trusting only it */
    static SSLContext trusting(X509Certificate trusted) throws Exception {
        return context(trusted, null, null);
    }

    /**
     * @param trusted the server certificate
     * @param clientKey the client's key, or null
     * @param clientCert the client's certificate, or null
     * @return a JDK TLS context
     */
    static SSLContext context(X509Certificate trusted, PrivateKey clientKey, X509Certificate clientCert) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trustStore(trusted));
        KeyManagerFactory kmf = null;
        if (clientKey != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", clientKey, "x".toCharArray(), new X509Certificate[] {clientCert});
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** @param ctx the TLS context @param version HTTP_2 or HTTP_1_1 @return a JDK HTTP client */
    static HttpClient client(SSLContext ctx, HttpClient.Version version) {
        return HttpClient.newBuilder().sslContext(ctx).version(version).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * One HTTP/1.1 GET over a fresh TLS connection that the server closes after the response (so that
     * stopping the server does not wait for an idle connection).
     *
     * @return the body of a 200 response
     * @throws java.io.IOException if the TLS handshake or the exchange fails
     */
    static String getClosing(SSLContext ctx, int port, String pathQuery) throws java.io.IOException {
        try (javax.net.ssl.SSLSocket sock = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(
                java.net.InetAddress.getLoopbackAddress(), port)) {
            sock.setSoTimeout(20_000);
            sock.getOutputStream().write(("GET " + pathQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String reply = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!reply.startsWith("HTTP/1.1 200 ")) {
                throw new java.io.IOException("unexpected reply: " + reply);
            }
            return reply.substring(reply.indexOf("\r\n\r\n") + 4);
        }
    }

    /** @param server a server with HTTPS @return RestAssured aimed at its HTTPS port, trusting its certificate */
    static RequestSpecification given(TestServer server) throws Exception {
        return RestAssured.given().baseUri("https://127.0.0.1").port(server.server().httpsPort())
                .config(RestAssured.config().sslConfig(SSLConfig.sslConfig()
                        .trustStore(trustStore(certificate(server)))));
    }
}
