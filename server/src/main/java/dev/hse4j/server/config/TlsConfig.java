package dev.hse4j.server.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The HTTPS connector's configuration; immutable. {@link #defaults()} is what a bare start runs with:
 * HTTPS on 8443 with the automatically chosen provider (Conscrypt, else the JDK's TLS) and a development
 * certificate generated once under {@code <workDir>/tls}. Build others with {@link #builder()}.
 *
 * <p>The key material comes from exactly one place: PEM files ({@code certPem} + {@code keyPem}), a
 * PKCS#12 keystore ({@code keystore}), or, when neither is given, the development certificate in
 * {@code dir}.
 *
 * @param enabled whether the server opens an HTTPS port at all
 * @param port the HTTPS port; 0 = ephemeral
 * @param dir where the development certificate is kept ({@code dev-cert.pem}, {@code dev-key.pem});
 *     {@code null} = {@code <workDir>/tls}
 * @param certPem PEM certificate file (the server certificate first, then its chain), or {@code null}
 * @param keyPem PEM private key (PKCS#8, PKCS#1 or SEC1, possibly encrypted), or {@code null}
 * @param keystore PKCS#12 keystore holding the key and its chain, or {@code null}
 * @param password the keystore's (or an encrypted PEM key's) password, or {@code null}
 * @param provider which TLS implementation to use
 * @param clientAuth whether client certificates are requested
 * @param clientCa PEM bundle of the certificate authorities whose client certificates are trusted, or
 *     {@code null} (then no client certificate is trusted: CERT_FLAGS bit 1 is always set)
 * @param hstsMaxAge the {@code Strict-Transport-Security} max-age in seconds sent on HTTPS responses, or
 *     -1 for none (the default: a browser that saw HSTS for {@code localhost} would refuse plain HTTP to
 *     every local server for that long)
 */
public record TlsConfig(
        boolean enabled,
        int port,
        Path dir,
        Path certPem,
        Path keyPem,
        Path keystore,
        String password,
        Provider provider,
        ClientAuth clientAuth,
        Path clientCa,
        long hstsMaxAge) {

    /** The default HTTPS port. */
    public static final int DEFAULT_PORT = 8443;

    /** Which TLS implementation serves the connections. */
    public enum Provider {
        /** Conscrypt (BoringSSL) if its native library loads, else the JDK's TLS with one warning. */
        AUTO,
        /** Conscrypt, or start-up fails. */
        CONSCRYPT,
        /** The JDK's own TLS (SunJSSE). */
        JDK
    }

    /** Whether the server asks the client for a certificate. */
    public enum ClientAuth {
        /** Never asks. */
        NONE,
        /**
         * Asks; the client may send none. Any certificate is accepted at the TLS level (the client must
         * still prove it holds the key); whether its issuer is trusted is reported in CERT_FLAGS bit 1.
         */
        WANT,
        /** Requires a certificate that chains to {@code clientCa}; anything else fails the handshake. */
        NEED
    }

    public TlsConfig {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTPS port out of range: " + port);
        }
        if (hstsMaxAge < -1) {
            throw new IllegalArgumentException("--hsts must be >= 0 seconds");
        }
        if ((certPem == null) != (keyPem == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both PEM files or neither");
        }
        if (keystore != null && certPem != null) {
            throw new IllegalArgumentException("give either PEM files (--tls-cert/--tls-key) or a PKCS#12 keystore "
                    + "(--tls-keystore), not both");
        }
        if (enabled && clientAuth == ClientAuth.NEED && clientCa == null) {
            throw new IllegalArgumentException("--client-auth=need needs --client-ca (the CA certificates that "
                    + "client certificates must chain to)");
        }
    }

    /** @return HTTPS on {@value #DEFAULT_PORT}, automatic provider, development certificate, no client auth */
    public static TlsConfig defaults() {
        return builder().build();
    }

    /** @return a configuration with HTTPS switched off */
    public static TlsConfig disabled() {
        return builder().enabled(false).build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.enabled = enabled;
        b.port = port;
        b.dir = dir;
        b.certPem = certPem;
        b.keyPem = keyPem;
        b.keystore = keystore;
        b.password = password;
        b.provider = provider;
        b.clientAuth = clientAuth;
        b.clientCa = clientCa;
        b.hstsMaxAge = hstsMaxAge;
        return b;
    }

    /** @return whether no certificate was configured, so the development certificate is used */
    public boolean usesDevCertificate() {
        return certPem == null && keystore == null;
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "TlsConfig[enabled=" + enabled + ", port=" + port + ", dir=" + dir + ", certPem=" + certPem
                + ", keyPem=" + keyPem + ", keystore=" + keystore + ", password=" + (password == null ? "none" : "***")
                + ", provider=" + provider + ", clientAuth=" + clientAuth + ", clientCa=" + clientCa
                + ", hstsMaxAge=" + hstsMaxAge + "]";
    }

    /** Builds a {@link TlsConfig}; starts from the defaults. */
    public static final class Builder {
        private boolean enabled = true;
        private int port = DEFAULT_PORT;
        private Path dir;
        private Path certPem;
        private Path keyPem;
        private Path keystore;
        private String password;
        private Provider provider = Provider.AUTO;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private Path clientCa;
        private long hstsMaxAge = -1;

        private Builder() {
        }

        /** @param v open an HTTPS port @return this */
        public Builder enabled(boolean v) { enabled = v; return this; }
        /** @param v HTTPS port, 0 = ephemeral @return this */
        public Builder port(int v) { port = v; return this; }
        /** @param v directory of the development certificate, null = {@code <workDir>/tls} @return this */
        public Builder dir(Path v) { dir = v; return this; }
        /** @param cert PEM certificate (chain) file @param key PEM private key file @return this */
        public Builder pem(Path cert, Path key) { certPem = cert; keyPem = key; return this; }
        /** @param v PKCS#12 keystore file @return this */
        public Builder keystore(Path v) { keystore = v; return this; }
        /** @param v keystore or encrypted-key password @return this */
        public Builder password(String v) { password = v; return this; }
        /** @param v TLS provider @return this */
        public Builder provider(Provider v) { provider = v; return this; }
        /** @param v client certificate mode @return this */
        public Builder clientAuth(ClientAuth v) { clientAuth = v; return this; }
        /** @param v PEM bundle of trusted client CAs @return this */
        public Builder clientCa(Path v) { clientCa = v; return this; }
        /** @param seconds Strict-Transport-Security max-age, -1 = none @return this */
        public Builder hstsMaxAge(long seconds) { hstsMaxAge = seconds; return this; }

        /** @return the configuration */
        public TlsConfig build() {
            return new TlsConfig(enabled, port, dir, certPem, keyPem, keystore, password, provider, clientAuth, clientCa,
                    hstsMaxAge);
        }
    }
}
