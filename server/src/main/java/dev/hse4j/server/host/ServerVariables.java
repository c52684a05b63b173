package dev.hse4j.server.host;

import dev.hse4j.api.CertificateInfo;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.InsufficientBufferException;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

import javax.net.ssl.SSLSession;

import org.eclipse.jetty.http.HttpField;

/**
 * GetServerVariable: the CGI variables, IIS's additions, the TLS and certificate set, {@code HTTP_*},
 * {@code HEADER_*}, {@code ALL_HTTP}, {@code ALL_RAW} and {@code UNICODE_*}.
 *
 * <p>An unknown name is {@link IsapiError#INVALID_INDEX} (1413); a known name with no value in this request
 * (a missing header, the TLS variables on plain HTTP, a client certificate that was not sent) is
 * {@link IsapiError#NO_DATA} (232). The request is read through {@link RequestFacts}, so the same table serves
 * every binding; what a binding cannot see answers {@link IsapiError#NOT_SUPPORTED} (50).
 */
final class ServerVariables {

    /** Every plain name this class answers (besides the HTTP_, HEADER_ and UNICODE_ families). */
    static final Set<String> NAMES = Set.of(
            // CGI 1.1
            "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO", "PATH_TRANSLATED",
            "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_USER", "REQUEST_METHOD", "SCRIPT_NAME",
            "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE",
            // IIS
            "URL", "HTTP_URL", "HTTP_VERSION", "HTTP_METHOD", "LOCAL_ADDR", "REMOTE_PORT", "SERVER_PORT_SECURE",
            "HTTPS", "INSTANCE_ID", "INSTANCE_META_PATH", "APPL_MD_PATH", "APPL_PHYSICAL_PATH", "APP_POOL_ID",
            "CACHE_URL", "AUTH_USER", "AUTH_PASSWORD", "LOGON_USER", "UNMAPPED_REMOTE_USER", "SCRIPT_TRANSLATED",
            "REQUEST_URI", "UNENCODED_URL", "ALL_HTTP", "ALL_RAW",
            // hse4j: the port the connection was accepted on (the same as SERVER_PORT)
            "LOCAL_PORT",
            // TLS
            "HTTPS_KEYSIZE", "HTTPS_SECRETKEYSIZE", "HTTPS_SERVER_ISSUER", "HTTPS_SERVER_SUBJECT",
            "CERT_COOKIE", "CERT_FLAGS", "CERT_ISSUER", "CERT_KEYSIZE", "CERT_SECRETKEYSIZE", "CERT_SERIALNUMBER",
            "CERT_SERVER_ISSUER", "CERT_SERVER_SUBJECT", "CERT_SUBJECT",
            // hse4j
            "SSL_PROTOCOL", "SSL_CIPHER", "SSL_PROVIDER", "HSE_CONNECTION_CONTEXT",
            "PROXY_ADDR", "PROXY_PORT");

    private final RequestFacts request;
    private final ExtensionControlBlock ecb;
    private final String scriptName;
    private final String softwareName;
    private final String webroot;

    ServerVariables(RequestFacts request, ExtensionControlBlock ecb, String scriptName, String softwareName, String webroot) {
        this.request = request;
        this.ecb = ecb;
        this.scriptName = scriptName;
        this.softwareName = softwareName;
        this.webroot = webroot;
    }

    String get(String name) throws IsapiException {
        if (name == null || name.isEmpty()) {
            throw new IsapiException(IsapiError.INVALID_INDEX, "empty variable name");
        }
        if (name.startsWith("UNICODE_")) {
            String inner = name.substring(8);
            if (inner.startsWith("HTTP_") && !NAMES.contains(inner) || inner.startsWith("HEADER_")) {
                throw new IsapiException(IsapiError.INVALID_INDEX,
                        "UNICODE_ does not apply to headers (use HTTP_ or HEADER_): " + name);
            }
            return get(inner);
        }
        String v = lookup(name);
        if (v == null) {
            throw new NoValue("'" + name + "' has no value in this request");
        }
        return v;
    }

    int get(String name, byte[] buffer) throws IsapiException {
        String v = get(name);
        boolean unicode = name.startsWith("UNICODE_");
        byte[] bytes = v.getBytes(unicode ? StandardCharsets.UTF_16LE : StandardCharsets.ISO_8859_1);
        int terminator = unicode ? 2 : 1;
        int needed = bytes.length + terminator;
        int size = buffer == null ? 0 : buffer.length;
        if (size < needed) {
            throw new InsufficientBufferException(needed, "server variable " + name);
        }
        System.arraycopy(bytes, 0, buffer, 0, bytes.length);
        for (int i = 0; i < terminator; i++) {
            buffer[bytes.length + i] = 0;
        }
        return needed;
    }

    private String lookup(String name) throws IsapiException {
        switch (name) {
            case "AUTH_TYPE":
            case "REMOTE_USER":
            case "AUTH_USER":
            case "AUTH_PASSWORD":
            case "LOGON_USER":
            case "UNMAPPED_REMOTE_USER":
                return null; // hse4j authenticates nobody: anonymous requests have no user
            case "CONTENT_LENGTH": {
                long n = ecb.totalBytes();
                return n == ExtensionControlBlock.UNKNOWN_LENGTH ? null : Long.toString(n);
            }
            case "CONTENT_TYPE":
                return emptyToNull(ecb.contentType());
            case "GATEWAY_INTERFACE":
                return "CGI/1.1";
            case "PATH_INFO":
                return ecb.pathInfo();
            case "PATH_TRANSLATED":
                return ecb.pathTranslated();
            case "QUERY_STRING":
                return ecb.queryString();
            case "HSE_CONNECTION_CONTEXT": {
                Object context = request.connectionContext();
                return context == null ? null : String.valueOf(context);
            }
            case "REMOTE_ADDR":
            case "REMOTE_HOST":
                return request.remoteAddr();
            case "REMOTE_PORT":
                return Integer.toString(request.remotePort());
            case "REQUEST_METHOD":
            case "HTTP_METHOD":
                return request.method();
            case "SCRIPT_NAME":
                return scriptName;
            case "SCRIPT_TRANSLATED":
            case "APPL_PHYSICAL_PATH":
                return webroot;
            case "SERVER_NAME":
                return request.serverName();
            case "SERVER_PORT":
                // The port the connection arrived on (CGI 1.1, IIS), never the client's Host header.
                return Integer.toString(request.localPort());
            case "SERVER_PROTOCOL":
            case "HTTP_VERSION":
                return request.protocol();
            case "SERVER_SOFTWARE":
                return softwareName;
            case "URL":
                return scriptName + ecb.pathInfo(); // IIS: the decoded path, without the query
            case "HTTP_URL":
            case "REQUEST_URI":
            case "UNENCODED_URL": // IIS 7: the path and query exactly as the client sent them
                return request.pathQuery();
            case "CACHE_URL":
                return request.uri();
            case "LOCAL_ADDR":
                return addressOf(request.localAddress());
            case "LOCAL_PORT": {
                InetSocketAddress local = request.localAddress();
                return local == null ? null : Integer.toString(local.getPort());
            }
            case "SERVER_PORT_SECURE":
                return isSecure() ? "1" : "0";
            case "HTTPS":
                return isSecure() ? "on" : "off";
            case "INSTANCE_ID":
                return "1";
            case "INSTANCE_META_PATH":
                return "/LM/W3SVC/1";
            case "APPL_MD_PATH":
                return "/LM/W3SVC/1/ROOT";
            case "APP_POOL_ID":
                return "hse4j";
            case "ALL_HTTP":
                return allHttp();
            case "ALL_RAW":
                return allRaw();
            case "PROXY_ADDR":
            case "PROXY_PORT": {
                // The load balancer's own address: REMOTE_ADDR is the client's when a PROXY header named it.
                InetSocketAddress a = request.proxyAddress();
                if (a == null) {
                    return null;
                }
                return name.equals("PROXY_ADDR") ? addressOf(a) : Integer.toString(a.getPort());
            }
            default:
                break;
        }
        if (name.startsWith("HTTPS_") || name.startsWith("CERT_") || name.startsWith("SSL_")) {
            if (NAMES.contains(name)) {
                return tls(name);
            }
            throw unknown(name);
        }
        if (name.startsWith("HTTP_")) {
            return header(name.substring(5).replace('_', '-'));
        }
        if (name.startsWith("HEADER_")) {
            return header(name.substring(7));
        }
        throw unknown(name);
    }

    /** @return the context the admission hooks gave this request's connection, or {@code null} (also where unknown) */
    Object connectionContext() {
        try {
            return request.connectionContext();
        } catch (IsapiException e) {
            return null; // a binding without hse4j's connector: no admission, no context
        }
    }

    private static IsapiException unknown(String name) {
        return new IsapiException(IsapiError.INVALID_INDEX, "no server variable is named '" + name + "'");
    }

    private String header(String headerName) {
        if (headerName.isEmpty()) {
            return null;
        }
        // Repeated headers are joined as a proxy would, with ", ".
        StringBuilder sb = null;
        for (HttpField f : request.headers()) {
            if (f.getName().equalsIgnoreCase(headerName)) {
                if (sb == null) {
                    sb = new StringBuilder(f.getValue());
                } else {
                    sb.append(", ").append(f.getValue());
                }
            }
        }
        return sb == null ? null : sb.toString();
    }

    private String allHttp() {
        StringBuilder sb = new StringBuilder();
        for (HttpField f : request.headers()) {
            sb.append("HTTP_").append(f.getName().toUpperCase(Locale.ROOT).replace('-', '_')).append(':')
                    .append(f.getValue()).append("\r\n");
        }
        return sb.toString();
    }

    private String allRaw() {
        StringBuilder sb = new StringBuilder();
        for (HttpField f : request.headers()) {
            sb.append(f.getName()).append(": ").append(f.getValue()).append("\r\n");
        }
        return sb.toString();
    }

    private boolean isSecure() {
        return request.isSecure();
    }

    private String tls(String name) throws IsapiException {
        if (!request.hasTls()) {
            return "CERT_FLAGS".equals(name) && isSecure() ? "0" : null;
        }
        X509Certificate[] peer = request.peerCertificates();
        X509Certificate client = peer != null && peer.length > 0 ? peer[0] : null;
        switch (name) {
            case "HTTPS_KEYSIZE":
            case "CERT_KEYSIZE":
                // IIS: the bits of the connection's (symmetric) key, e.g. 128 or 256.
                return request.keySize() > 0 ? Integer.toString(request.keySize()) : null;
            case "SSL_CIPHER":
                return request.cipherSuite();
            case "CERT_FLAGS":
                return Integer.toString(request.certFlags());
            case "CERT_ISSUER":
                return client == null ? null : client.getIssuerX500Principal().getName();
            case "CERT_SUBJECT":
                return client == null ? null : client.getSubjectX500Principal().getName();
            case "CERT_SERIALNUMBER":
                return client == null ? null : serial(client.getSerialNumber());
            case "CERT_COOKIE":
                return client == null ? null : cookie(client);
            default:
                break;
        }
        // The rest is the connection's TLS session: the server certificate, the protocol, the provider.
        SSLSession session = request.sslSession();
        X509Certificate server = first(session == null ? null : session.getLocalCertificates());
        switch (name) {
            case "HTTPS_SECRETKEYSIZE":
            case "CERT_SECRETKEYSIZE":
                // IIS: the bits of the server certificate's private key, e.g. 2048 (RSA) or 256 (EC P-256).
                return server == null ? null : keyBits(server);
            case "HTTPS_SERVER_ISSUER":
            case "CERT_SERVER_ISSUER":
                return server == null ? null : server.getIssuerX500Principal().getName();
            case "HTTPS_SERVER_SUBJECT":
            case "CERT_SERVER_SUBJECT":
                return server == null ? null : server.getSubjectX500Principal().getName();
            case "SSL_PROTOCOL":
                return session == null ? null : session.getProtocol();
            case "SSL_PROVIDER":
                return session == null ? null : providerOf(session);
            default:
                return null;
        }
    }

    /** @return HSE_REQ_GET_CERT_INFO_EX: the client certificate's DER bytes and CERT_FLAGS */
    CertificateInfo certInfo() {
        X509Certificate[] peer = request.hasTls() ? request.peerCertificates() : null;
        if (peer == null || peer.length == 0) {
            return CertificateInfo.none();
        }
        try {
            return new CertificateInfo(peer[0].getEncoded(), request.certFlags());
        } catch (java.security.cert.CertificateEncodingException e) {
            return CertificateInfo.none();
        }
    }

    /**
     * The TLS implementation that produced this connection's session, observed from the session object
     * itself (not from the configuration): {@code Conscrypt} or {@code SunJSSE}.
     */
    private static String providerOf(SSLSession session) {
        String cls = session.getClass().getName();
        if (cls.startsWith("org.conscrypt.")) {
            return "Conscrypt";
        }
        if (cls.startsWith("sun.security.ssl.")) {
            return "SunJSSE";
        }
        return cls;
    }

    private static String keyBits(X509Certificate cert) {
        java.security.PublicKey k = cert.getPublicKey();
        if (k instanceof java.security.interfaces.RSAKey rsa) {
            return Integer.toString(rsa.getModulus().bitLength());
        }
        if (k instanceof java.security.interfaces.ECKey ec) {
            return Integer.toString(ec.getParams().getCurve().getField().getFieldSize());
        }
        if (k instanceof java.security.interfaces.DSAKey dsa) {
            return Integer.toString(dsa.getParams().getP().bitLength());
        }
        if ("Ed25519".equalsIgnoreCase(k.getAlgorithm()) || "EdDSA".equalsIgnoreCase(k.getAlgorithm())) {
            return "256";
        }
        if ("Ed448".equalsIgnoreCase(k.getAlgorithm())) {
            return "456";
        }
        return null;
    }

    private static X509Certificate first(Certificate[] certs) {
        return certs != null && certs.length > 0 && certs[0] instanceof X509Certificate x ? x : null;
    }

    private static String serial(BigInteger serial) {
        String hex = serial.toString(16);
        if (hex.length() % 2 == 1) {
            hex = "0" + hex;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            sb.append(i == 0 ? "" : "-").append(hex, i, i + 2);
        }
        return sb.toString();
    }

    private static String cookie(X509Certificate cert) {
        try {
            // IIS's CERT_COOKIE is a unique id of the client certificate; a SHA-256 of it is one.
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            return null;
        }
    }

    private static String addressOf(SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null ? i.getAddress().getHostAddress() : null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * 232 for a known variable without a value (PROXY_ADDR on a direct connection, HTTPS_* over HTTP): an expected
     * answer that extensions ask for and catch on ordinary requests, so it carries no stack trace (the trace is
     * most of what throwing costs). Callers see an {@link IsapiException} with its code, as before.
     */
    private static final class NoValue extends IsapiException {
        private static final long serialVersionUID = 1L;

        NoValue(String message) {
            super(IsapiError.NO_DATA, message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
