package dev.hse4j.server.host;

import java.security.cert.X509Certificate;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/** CERT_FLAGS: bit 0 = a client certificate is present, bit 1 = its issuer is not trusted. */
public final class CertFlags {

    /**
     * Request attribute (a {@link Boolean}) set by the TLS layer ({@code dev.hse4j.server.tls}) when the
     * client sent a certificate: {@code FALSE} if its chain verified against the configured client CAs,
     * {@code TRUE} if not. Absent means nobody verified it, which counts as not trusted (fail safe).
     */
    public static final String UNTRUSTED_ATTRIBUTE = "dev.hse4j.tls.clientCertUntrusted";

    /** Bit 0: the client sent a certificate. */
    public static final int PRESENT = 1;
    /** Bit 1: the certificate's issuer is not trusted. */
    public static final int UNTRUSTED = 2;

    private CertFlags() {
    }

    static int of(EndPoint.SslSessionData ssl, Request request) {
        X509Certificate[] peer = ssl == null ? null : ssl.peerCertificates();
        if (peer == null || peer.length == 0) {
            return 0;
        }
        Object verdict = request.getAttribute(UNTRUSTED_ATTRIBUTE);
        return Boolean.FALSE.equals(verdict) ? PRESENT : PRESENT | UNTRUSTED;
    }
}
