package dev.hse4j.servlet;

import dev.hse4j.server.host.HostExchange;
import dev.hse4j.server.host.RequestFacts;
import dev.hse4j.server.host.Transport;

import jakarta.servlet.http.HttpServletRequest;

/** {@link HostExchange} of a servlet request: its {@link ServletTransport} and {@link ServletRequestFacts}. */
final class ServletExchange implements HostExchange {

    private final HttpServletRequest request;
    private final ServletTransport transport;
    private final ServletRequestFacts facts;
    private final String base;

    ServletExchange(HttpServletRequest request, ServletTransport transport, String base) {
        this.request = request;
        this.base = base;
        this.transport = transport;
        this.facts = new ServletRequestFacts(request);
    }

    @Override public Transport transport() { return transport; }
    @Override public RequestFacts facts() { return facts; }
    @Override public String query() { return request.getQueryString(); }
    @Override public String contentType() { return request.getContentType(); }
    /** As hse4j's own server: an HTTP/1 request with neither Content-Length nor Transfer-Encoding has no body. */
    @Override
    public long contentLength() {
        long n = request.getContentLengthLong();
        if (n < 0 && request.getProtocol().startsWith("HTTP/1.") && request.getHeader("Transfer-Encoding") == null) {
            return 0;
        }
        return n;
    }
    @Override public String scriptBase() { return base; }

    @Override
    public void answer(int status, String message, boolean retryAfter, boolean close) {
        transport.answer(status, message, retryAfter, close);
    }

    @Override
    public void abort(Throwable cause) {
        transport.fail(cause);
    }
}
