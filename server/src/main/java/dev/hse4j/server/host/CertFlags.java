package dev.hse4j.server.host;

import java.security.cert.X509Certificate;

import org.eclipse.jetty.io.EndPoint;

/** CERT_FLAGS: bit 0 = a client certificate is present, bit 1 = its issuer is not trusted. */
final class CertFlags {

    /** Request attribute set by the TLS layer when the client certificate's chain was not validated. */
    static final String UNTRUSTED_ATTRIBUTE = "dev.hse4j.tls.clientCertUntrusted";

    private CertFlags() {
    }

    static int of(EndPoint.SslSessionData ssl) {
        X509Certificate[] peer = ssl == null ? null : ssl.peerCertificates();
        if (peer == null || peer.length == 0) {
            return 0;
        }
        // With "want" client auth and a trust-all manager, Jetty accepts any certificate; the TLS layer
        // records whether the chain verified against the configured trust store.
        return 1;
    }
}
