package dev.hse4j.api;

import java.util.Arrays;

/**
 * CERT_CONTEXT_EX, as {@link ExtensionControlBlock#getCertInfo()} returns it: the client certificate of
 * the request's TLS connection (DER bytes) and ISAPI's certificate flags. Immutable: the bytes are
 * copied in and out.
 *
 * <p>A request without a client certificate (plain HTTP, or TLS where the client sent none) has empty
 * DER bytes and flags 0, as IIS reports it; {@link #isPresent()} tells.
 */
public final class CertificateInfo {

    /** CERT_FLAGS bit 0: the client sent a certificate. */
    public static final int FLAG_PRESENT = 1;
    /**
     * CERT_FLAGS bit 1: the certificate's issuer is not trusted (its chain does not lead to a trusted
     * certificate authority of the server, or it failed validation, e.g. it has expired).
     */
    public static final int FLAG_UNTRUSTED = 2;

    private static final CertificateInfo NONE = new CertificateInfo(new byte[0], 0);

    private final byte[] der;
    private final int flags;

    /**
     * @param der the certificate's DER encoding (copied); empty when there is none
     * @param flags {@link #FLAG_PRESENT} and {@link #FLAG_UNTRUSTED} bits
     * @throws IllegalArgumentException if {@code der} is null, or the flags say present and the bytes
     *     are empty (or the reverse)
     */
    public CertificateInfo(byte[] der, int flags) {
        if (der == null) {
            throw new IllegalArgumentException("der must not be null (use an empty array)");
        }
        if ((der.length > 0) != ((flags & FLAG_PRESENT) != 0)) {
            throw new IllegalArgumentException("FLAG_PRESENT must be set exactly when there are DER bytes");
        }
        this.der = der.clone();
        this.flags = flags;
    }

    /** @return the value for a request without a client certificate: no bytes, flags 0 */
    public static CertificateInfo none() {
        return NONE;
    }

    /** @return a copy of the certificate's DER bytes (ISAPI's pbCertEncoded); empty if there is none */
    public byte[] der() {
        return der.clone();
    }

    /** @return the DER length in bytes (ISAPI's cbCertEncoded); 0 if there is none */
    public int length() {
        return der.length;
    }

    /** @return ISAPI's dwCertificateFlags: {@link #FLAG_PRESENT} | {@link #FLAG_UNTRUSTED} */
    public int flags() {
        return flags;
    }

    /** @return whether the client sent a certificate */
    public boolean isPresent() {
        return (flags & FLAG_PRESENT) != 0;
    }

    /** @return whether a certificate was sent and its issuer is not trusted by the server */
    public boolean isUntrusted() {
        return (flags & FLAG_UNTRUSTED) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificateInfo c && c.flags == flags && Arrays.equals(c.der, der);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(der) + flags;
    }

    @Override
    public String toString() {
        return "CertificateInfo[" + der.length + " bytes, flags=" + flags + "]";
    }
}
