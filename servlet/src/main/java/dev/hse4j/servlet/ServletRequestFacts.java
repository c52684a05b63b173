package dev.hse4j.servlet;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.server.host.CertFlags;
import dev.hse4j.server.host.RequestFacts;

import jakarta.servlet.http.HttpServletRequest;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

import javax.net.ssl.SSLSession;

import org.eclipse.jetty.http.HttpField;

/**
 * {@link RequestFacts} of a servlet request: the CGI set from the request's getters, the headers, and the client
 * certificate, key size and cipher from the container's standard attributes
 * ({@code jakarta.servlet.request.X509Certificate}, {@code .key_size}, {@code .cipher_suite}). The connection's
 * own TLS session (server certificate, protocol, provider), the admission context and the PROXY header's proxy
 * address exist only on hse4j's connector: they answer 50 (ERROR_NOT_SUPPORTED) here.
 */
final class ServletRequestFacts implements RequestFacts {

    static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";
    static final String KEY_SIZE = "jakarta.servlet.request.key_size";
    static final String CIPHER = "jakarta.servlet.request.cipher_suite";

    private final HttpServletRequest request;
    private List<HttpField> headers;

    ServletRequestFacts(HttpServletRequest request) {
        this.request = request;
    }

    @Override public String method() { return request.getMethod(); }
    @Override public int remotePort() { return request.getRemotePort(); }
    @Override public String serverName() { return request.getServerName(); }
    @Override public int localPort() { return request.getLocalPort(); }
    @Override public String protocol() { return request.getProtocol(); }
    @Override public boolean isSecure() { return request.isSecure(); }

    @Override
    public String remoteAddr() {
        String a = request.getRemoteAddr();
        return a != null && a.length() > 1 && a.charAt(0) == '[' && a.charAt(a.length() - 1) == ']'
                ? a.substring(1, a.length() - 1) : a;
    }

    @Override
    public InetSocketAddress localAddress() {
        String a = request.getLocalAddr();
        if (a == null || a.isEmpty()) {
            return null;
        }
        try {
            // An IP literal (what getLocalAddr gives): parsed, never looked up.
            return new InetSocketAddress(java.net.InetAddress.getByName(a), request.getLocalPort());
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    @Override
    public String pathQuery() {
        String q = request.getQueryString();
        return q == null ? request.getRequestURI() : request.getRequestURI() + "?" + q;
    }

    @Override
    public String uri() {
        String q = request.getQueryString();
        StringBuffer url = request.getRequestURL();
        return q == null ? url.toString() : url.append('?').append(q).toString();
    }

    @Override
    public synchronized Iterable<HttpField> headers() {
        if (headers == null) {
            List<HttpField> list = new ArrayList<>();
            for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
                String name = names.nextElement();
                for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                    list.add(new HttpField(name, values.nextElement()));
                }
            }
            headers = List.copyOf(list);
        }
        return headers;
    }

    @Override
    public boolean hasTls() {
        return request.isSecure();
    }

    @Override
    public X509Certificate[] peerCertificates() {
        return request.getAttribute(CERTIFICATES) instanceof X509Certificate[] c && c.length > 0 ? c : null;
    }

    @Override
    public int keySize() {
        return request.getAttribute(KEY_SIZE) instanceof Integer n ? n : 0;
    }

    @Override
    public String cipherSuite() {
        return request.getAttribute(CIPHER) instanceof String s ? s : null;
    }

    @Override
    public int certFlags() {
        // The container hands the application only a chain it verified against its trust store.
        return peerCertificates() == null ? 0 : CertFlags.PRESENT;
    }

    @Override
    public SSLSession sslSession() throws IsapiException {
        throw notHere("the connection's TLS session (server certificate, protocol, provider)");
    }

    @Override
    public Object connectionContext() throws IsapiException {
        throw notHere("the admission context");
    }

    @Override
    public InetSocketAddress proxyAddress() throws IsapiException {
        throw notHere("the PROXY header's proxy address");
    }

    private static IsapiException notHere(String what) {
        return new IsapiException(IsapiError.NOT_SUPPORTED,
                what + " is known only on hse4j's own connector, not inside a servlet container");
    }
}
