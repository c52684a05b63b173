package dev.hse4j.server.host;

import dev.hse4j.server.net.ConnectionState;
import dev.hse4j.server.proxy.ProxiedEndPoint;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLSession;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/** {@link RequestFacts} of a Jetty core request on hse4j's own connectors. */
final class JettyRequestFacts implements RequestFacts {

    private final Request request;
    private EndPoint.SslSessionData ssl;
    private boolean sslLooked;

    JettyRequestFacts(Request request) {
        this.request = request;
    }

    @Override public String method() { return request.getMethod(); }
    @Override public int remotePort() { return Request.getRemotePort(request); }
    @Override public String serverName() { return Request.getServerName(request); }
    @Override public int localPort() { return Request.getLocalPort(request); }
    @Override public String protocol() { return request.getConnectionMetaData().getProtocol(); }
    @Override public String pathQuery() { return request.getHttpURI().getPathQuery(); }
    @Override public String uri() { return request.getHttpURI().asString(); }
    @Override public boolean isSecure() { return request.getConnectionMetaData().isSecure(); }
    @Override public Iterable<HttpField> headers() { return request.getHeaders(); }

    @Override
    public String remoteAddr() {
        // Jetty brackets IPv6 literals (for URIs); CGI and IIS give the bare address.
        String a = Request.getRemoteAddr(request);
        return a != null && a.length() > 1 && a.charAt(0) == '[' && a.charAt(a.length() - 1) == ']'
                ? a.substring(1, a.length() - 1) : a;
    }

    @Override
    public InetSocketAddress localAddress() {
        return request.getConnectionMetaData().getLocalSocketAddress() instanceof InetSocketAddress i ? i : null;
    }

    private EndPoint.SslSessionData ssl() {
        if (!sslLooked) {
            Object o = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
            ssl = o instanceof EndPoint.SslSessionData s ? s : null;
            sslLooked = true;
        }
        return ssl;
    }

    @Override public boolean hasTls() { return ssl() != null; }

    @Override
    public X509Certificate[] peerCertificates() {
        EndPoint.SslSessionData s = ssl();
        return s == null ? null : s.peerCertificates();
    }

    @Override
    public int keySize() {
        EndPoint.SslSessionData s = ssl();
        return s == null ? 0 : s.keySize();
    }

    @Override
    public String cipherSuite() {
        EndPoint.SslSessionData s = ssl();
        return s == null ? null : s.cipherSuite();
    }

    @Override
    public int certFlags() {
        return CertFlags.of(ssl(), request);
    }

    @Override
    public SSLSession sslSession() {
        EndPoint.SslSessionData s = ssl();
        return s == null ? null : s.sslSession();
    }

    @Override
    public Object connectionContext() {
        ConnectionState state = ConnectionState.of(request);
        return state == null ? null : state.context();
    }

    @Override
    public InetSocketAddress proxyAddress() {
        ProxiedEndPoint p = ProxiedEndPoint.of(request);
        return p == null ? null : p.proxyAddress();
    }
}
