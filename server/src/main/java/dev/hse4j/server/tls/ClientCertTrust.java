package dev.hse4j.server.tls;

import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.host.CertFlags;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Client certificates: what the TLS layer accepts and what CERT_FLAGS bit 1 ("issuer not trusted") says.
 *
 * <ul>
 *   <li>{@code want}: the handshake accepts any certificate whose key the client proves it holds; each
 *       request then carries the verdict of a PKIX check against the {@code --client-ca} bundle (none
 *       given: nothing is trusted), cached per TLS session.</li>
 *   <li>{@code need}: the handshake itself requires a certificate that chains to {@code --client-ca};
 *       such a certificate is trusted by construction.</li>
 * </ul>
 */
final class ClientCertTrust implements HttpConfiguration.Customizer {

    private static final String SESSION_VERDICT = "dev.hse4j.tls.clientCertUntrusted";

    private final TlsConfig.ClientAuth mode;
    private final X509TrustManager verifier; // null: nothing is trusted

    private ClientCertTrust(TlsConfig.ClientAuth mode, X509TrustManager verifier) {
        this.mode = mode;
        this.verifier = verifier;
    }

    static ClientCertTrust of(TlsConfig tls) {
        if (tls.clientAuth() == TlsConfig.ClientAuth.NONE) {
            return new ClientCertTrust(tls.clientAuth(), null);
        }
        Path bundle = tls.clientCa();
        if (bundle == null) {
            return new ClientCertTrust(tls.clientAuth(), null);
        }
        List<X509Certificate> cas = Pem.readCertificates(bundle, "client CA bundle (--client-ca)");
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return new ClientCertTrust(tls.clientAuth(), x);
                }
            }
            throw new TlsSetupException("the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsSetupException("cannot use the client CA bundle " + bundle + ": " + Pem.reason(e), e);
        }
    }

    /** @return the trust managers for the TLS handshake, or null when client certificates are not asked for */
    TrustManager[] handshakeTrustManagers() {
        return switch (mode) {
            case NONE -> null;
            // An empty CA list: clients send whatever certificate they have (a list would make them send
            // nothing unless they hold one from a listed CA); trust is reported per request instead. As
            // IIS does by default since Windows Server 2012 (SendTrustedIssuerList = 0).
            case WANT -> new TrustManager[] {new AcceptAny()};
            case NEED -> new TrustManager[] {verifier};
        };
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        if (mode == TlsConfig.ClientAuth.NONE) {
            return request;
        }
        Object o = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
        if (!(o instanceof EndPoint.SslSessionData ssl)) {
            return request;
        }
        X509Certificate[] peer = ssl.peerCertificates();
        if (peer == null || peer.length == 0) {
            return request;
        }
        request.setAttribute(CertFlags.UNTRUSTED_ATTRIBUTE, untrusted(ssl.sslSession(), peer));
        return request;
    }

    private Boolean untrusted(SSLSession session, X509Certificate[] peer) {
        Object cached = session == null ? null : session.getValue(SESSION_VERDICT);
        if (cached instanceof Boolean b) {
            return b;
        }
        Boolean verdict = mode == TlsConfig.ClientAuth.NEED ? Boolean.FALSE : Boolean.valueOf(!verifies(peer));
        if (session != null) {
            session.putValue(SESSION_VERDICT, verdict);
        }
        return verdict;
    }

    private boolean verifies(X509Certificate[] chain) {
        if (verifier == null) {
            return false;
        }
        try {
            verifier.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
            return true;
        } catch (CertificateException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Accepts any client certificate in the handshake (possession of its key is still proven by the TLS
     * CertificateVerify message). Server certificates are never checked with it.
     */
    private static final class AcceptAny extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a server trust manager is not used for server certificates");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
