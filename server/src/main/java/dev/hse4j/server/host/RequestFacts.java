package dev.hse4j.server.host;

import dev.hse4j.api.IsapiException;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLSession;

import org.eclipse.jetty.http.HttpField;

/**
 * What {@link ServerVariables} reads from a request, one implementation per binding: {@link JettyRequestFacts}
 * for hse4j's own server, the servlet binding's for a Servlet container. The variable table (names,
 * {@code UNICODE_}, {@code HTTP_}/{@code HEADER_}, buffer sizing) stays in {@link ServerVariables}, once.
 *
 * <p>What only hse4j's own connector knows (the admission context, the PROXY header's proxy address, the TLS
 * session itself) throws {@link IsapiException} with {@code IsapiError.NOT_SUPPORTED} (50) in a binding that
 * cannot see it.
 */
public interface RequestFacts {

    /** @return the request method */
    String method();

    /** @return the client's address, bare (no brackets around an IPv6 literal) */
    String remoteAddr();

    /** @return the client's port */
    int remotePort();

    /** @return the server name the request was addressed to */
    String serverName();

    /** @return the port the connection arrived on */
    int localPort();

    /** @return the local end of the connection, or {@code null} if unknown */
    InetSocketAddress localAddress();

    /** @return the protocol, e.g. {@code HTTP/1.1} */
    String protocol();

    /** @return the path and query exactly as the client sent them */
    String pathQuery();

    /** @return the whole request URI (scheme, authority, path, query) */
    String uri();

    /** @return whether the request came over TLS */
    boolean isSecure();

    /** @return the request headers, in order, repeated ones repeated */
    Iterable<HttpField> headers();

    /** @return whether TLS facts (below) are known for this request */
    boolean hasTls();

    /** @return the client's certificate chain, or {@code null} when it sent none */
    X509Certificate[] peerCertificates();

    /** @return the bits of the connection's symmetric key, or 0 if unknown */
    int keySize();

    /** @return the cipher suite, or {@code null} */
    String cipherSuite();

    /** @return CERT_FLAGS ({@link CertFlags}) */
    int certFlags();

    /**
     * @return the TLS session (server certificate, protocol, provider), or {@code null} on plain HTTP
     * @throws IsapiException 50 where the binding cannot see the connection's TLS session
     */
    SSLSession sslSession() throws IsapiException;

    /**
     * @return the context the admission hooks gave the connection, or {@code null}
     * @throws IsapiException 50 where there is no hse4j connector (no admission)
     */
    Object connectionContext() throws IsapiException;

    /**
     * @return the proxy's own address when a PROXY header named the client, else {@code null}
     * @throws IsapiException 50 where there is no hse4j connector (no PROXY protocol)
     */
    InetSocketAddress proxyAddress() throws IsapiException;
}
