package dev.hse4j.server.tls;

import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.config.TlsConfig;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CRL;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.TrustManager;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS connector: TLS 1.3 and 1.2 only, AEAD cipher suites with forward secrecy only, ALPN
 * {@code h2} then {@code http/1.1}, on Conscrypt (or the JDK's TLS), with the configured or development
 * certificate and optional client certificates.
 *
 * <p>Everything that can be wrong with the configuration (files, passwords, key/certificate mismatch,
 * provider) is found by {@link #create}, before any port opens, and reported as a
 * {@link TlsSetupException} whose message is meant for the operator.
 */
public final class TlsConnectors {

    /**
     * The largest piece an extension write is cut into on a TLS connection: one TLS record's worth of
     * plaintext (RFC 8446 5.1: 2^14 bytes), as IIS does.
     *
     * <p>RFC 8449 {@code record_size_limit} and RFC 6066 {@code max_fragment_length} let a client ask for
     * smaller records. Neither JSSE (Java 17) nor BoringSSL (Conscrypt) implements RFC 8449, so a client's
     * {@code record_size_limit} is never acknowledged and never in force. JSSE does honour
     * {@code max_fragment_length} (BoringSSL does not acknowledge it, so nothing smaller is negotiated
     * there); neither exposes the negotiated length through a public API, but the engine applies it itself
     * when it splits each piece into records, so records never exceed {@code min(16384, negotiated)}
     * (TlsFragmentLengthTest shows 1 KB records to an OpenSSL client asking for 1 KB).
     */
    public static final int MAX_TLS_PIECE = 16 * 1024;

    /** The HTTP/2 frame header's size (RFC 9113 4.1). */
    static final int H2_FRAME_HEADER = 9;

    /** The protocol versions, best first. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * The cipher suites, in server preference order: TLS 1.3's (BoringSSL always enables all three), then
     * TLS 1.2's ECDHE + AEAD suites. No CBC, no RSA key exchange, no finite-field DHE, no SHA-1 MACs.
     */
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** The ALPN protocols, preferred first. */
    static final List<String> ALPN = List.of("h2", "http/1.1");

    private static final Logger LOG = LoggerFactory.getLogger(TlsConnectors.class);

    private final TlsConfig config;
    private final ProviderChoice choice;
    private final KeyMaterial keys;
    private final SslContextFactory.Server sslContextFactory;
    private final ServerConnector connector;

    private TlsConnectors(TlsConfig config, ProviderChoice choice, KeyMaterial keys,
                          SslContextFactory.Server sslContextFactory, ServerConnector connector) {
        this.config = config;
        this.choice = choice;
        this.keys = keys;
        this.sslContextFactory = sslContextFactory;
        this.connector = connector;
    }

    /**
     * Builds the HTTPS connector and adds it to {@code jetty}, or does nothing when HTTPS is off.
     *
     * @param jetty the server
     * @param base the plain HTTP configuration; the HTTPS one is a copy of it plus the TLS customizers
     * @param config the server configuration
     * @return the connector's owner, or {@code null} when {@code config.tls()} is null or disabled
     * @throws TlsSetupException when the TLS configuration cannot be used
     */
    public static TlsConnectors create(Server jetty, HttpConfiguration base, ServerConfig config) {
        return create(jetty, base, config, ServerConnector::new, HttpConnectionFactory::new);
    }

    /** Makes the HTTPS listener from its protocols, outermost first (hse4j's connector, with admission). */
    @FunctionalInterface
    public interface Listener {
        /** @param server the server @param factories the protocols @return the listener */
        ServerConnector make(Server server, ConnectionFactory... factories);
    }

    /**
     * As {@link #create(Server, HttpConfiguration, ServerConfig)}, with the listener made by {@code listener}
     * and the HTTP/1.1 connection factory made by {@code http1} from the HTTPS configuration (hse4j's adds the
     * request-head timeout).
     *
     * @param jetty the server
     * @param base the plain HTTP configuration
     * @param config the server configuration
     * @param listener makes the connector
     * @param http1 makes the HTTP/1.1 connection factory
     * @return the connector's owner, or {@code null} when HTTPS is off
     */
    public static TlsConnectors create(Server jetty, HttpConfiguration base, ServerConfig config, Listener listener,
                                       java.util.function.Function<HttpConfiguration, HttpConnectionFactory> http1) {
        TlsConfig tls = config.tls();
        if (tls == null || !tls.enabled()) {
            return null;
        }
        char[] password = Passwords.resolve(tls.password());
        KeyMaterial keys;
        if (tls.keystore() != null) {
            keys = KeyMaterial.fromPkcs12(tls.keystore(), password);
        } else if (tls.certPem() != null) {
            keys = KeyMaterial.fromPem(tls.certPem(), tls.keyPem(), password);
        } else {
            Path dir = tls.dir() != null ? tls.dir() : config.workDir().resolve("tls");
            keys = DevCertificate.loadOrCreate(dir, config.host());
        }
        warnAboutValidity(keys);
        ClientCertTrust clientTrust = ClientCertTrust.of(tls);
        ProviderChoice choice = ProviderChoice.choose(tls.provider());

        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String storePassword = Base64.getEncoder().encodeToString(random);
        TrustManager[] handshakeTrust = clientTrust.handshakeTrustManagers();
        SslContextFactory.Server scf = new SslContextFactory.Server() {
            @Override
            protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls)
                    throws Exception {
                return handshakeTrust != null ? handshakeTrust : super.getTrustManagers(trustStore, crls);
            }
        };
        scf.setProvider(choice.provider());
        scf.setKeyStore(keys.toKeyStore(storePassword.toCharArray()));
        scf.setKeyStorePassword(storePassword);
        scf.setKeyManagerPassword(storePassword);
        scf.setIncludeProtocols(PROTOCOLS.toArray(new String[0]));
        scf.setIncludeCipherSuites(CIPHER_SUITES.toArray(new String[0]));
        scf.setUseCipherSuitesOrder(true);
        scf.setRenegotiationAllowed(false);
        scf.setSniRequired(false);
        scf.setNeedClientAuth(tls.clientAuth() == TlsConfig.ClientAuth.NEED);
        scf.setWantClientAuth(tls.clientAuth() == TlsConfig.ClientAuth.WANT);

        HttpConfiguration https = new HttpConfiguration(base);
        https.setSecureScheme("https");
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // One certificate serves every name (and bare IP addresses): a Host that the certificate does
        // not name is the client's business, not a reason for a 400.
        secure.setSniHostCheck(false);
        secure.setStsMaxAge(tls.hstsMaxAge()); // -1: no Strict-Transport-Security header
        https.addCustomizer(secure);
        https.addCustomizer(clientTrust);

        // Only the protocols hse4j speaks, and http/1.1 without ALPN when the client offers none of them.
        ALPNServerConnectionFactory alpn = new AlpnSelection(ALPN);
        SslConnectionFactory ssl = new SslConnectionFactory(scf, alpn.getProtocol());
        if (choice.isConscrypt()) {
            // BoringSSL reads and writes native memory: direct buffers save a copy per record.
            ssl.setDirectBuffersForEncryption(true);
            ssl.setDirectBuffersForDecryption(true);
        }
        ServerConnector connector = listener.make(jetty, ssl, alpn, new HTTP2ServerConnectionFactory(https),
                http1.apply(https));
        connector.setHost(config.host());
        connector.setPort(tls.port());
        connector.setName("https");
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        connector.setAcceptQueueSize(4096);
        jetty.addConnector(connector);
        Arrays.fill(password == null ? new char[0] : password, '\0');
        return new TlsConnectors(tls, choice, keys, scf, connector);
    }

    private static void warnAboutValidity(KeyMaterial keys) {
        java.util.Date now = new java.util.Date();
        if (keys.certificate().getNotAfter().before(now)) {
            LOG.warn("the TLS certificate {} EXPIRED on {}: clients will refuse it", keys.certificate()
                    .getSubjectX500Principal().getName(), keys.certificate().getNotAfter().toInstant());
        } else if (keys.certificate().getNotBefore().after(now)) {
            LOG.warn("the TLS certificate {} is not valid before {}", keys.certificate().getSubjectX500Principal()
                    .getName(), keys.certificate().getNotBefore().toInstant());
        }
    }

    /**
     * The piece size for an extension's writes on this request's connection: {@link #MAX_TLS_PIECE} on
     * HTTP/1.1 over TLS, 16,375 on HTTP/2 over TLS (so that a DATA frame fills one record), unlimited on
     * plain HTTP.
     *
     * @param request the request
     * @return the largest single write
     */
    public static int pieceSize(Request request) {
        if (!request.getConnectionMetaData().isSecure()) {
            return Integer.MAX_VALUE;
        }
        HttpVersion v = request.getConnectionMetaData().getHttpVersion();
        // On HTTP/2 each piece becomes one DATA frame behind a 9-byte frame header: 16,375 bytes make the
        // frame exactly one full record, where 16,384 would spill 9 bytes into a second, tiny record.
        return v == HttpVersion.HTTP_2 ? MAX_TLS_PIECE - H2_FRAME_HEADER : MAX_TLS_PIECE;
    }

    /** @return the HTTPS connector */
    public ServerConnector connector() {
        return connector;
    }

    /** @return the bound HTTPS port (after start) */
    public int port() {
        return connector.getLocalPort();
    }

    /** @return the key and certificate in use */
    public KeyMaterial keys() {
        return keys;
    }

    /** @return the setup as it runs (after start: the provider and suites of the live SSLContext) */
    public TlsStatus status() {
        String provider = choice.provider();
        List<String> protocols = PROTOCOLS;
        List<String> suites = CIPHER_SUITES;
        if (sslContextFactory.isStarted()) {
            provider = sslContextFactory.getSslContext().getProvider().getName();
            protocols = List.of(sslContextFactory.getSelectedProtocols());
            suites = List.of(sslContextFactory.getSelectedCipherSuites());
        }
        return new TlsStatus(port(), config.provider().name(), provider, choice.version(), choice.fallbackReason(),
                protocols, suites, ALPN, config.clientAuth().name(),
                keys.certificate().getSubjectX500Principal().getName(),
                keys.certificate().getIssuerX500Principal().getName(),
                keys.certificate().getNotAfter().toInstant(), keys.sha256(), keys.keyDescription(), keys.source(),
                MAX_TLS_PIECE);
    }

    /** @return {@code {"tls": {...}}} for the status document */
    public ObjectNode statusJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("tls", status().toJson());
        return root;
    }

    /** @return {@code {"tls": {"enabled": false}}}, the status document's entry when HTTPS is off */
    public static ObjectNode disabledStatusJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.putObject("tls").put("enabled", false);
        return root;
    }

    /** Logs the running setup; call after the server started. */
    public void logStarted() {
        TlsStatus s = status();
        LOG.info("{}", s.summary());
        if (!choice.provider().equals(s.provider())) {
            LOG.warn("the TLS context runs on {} although {} was chosen", s.provider(), choice.provider());
        }
    }
}
