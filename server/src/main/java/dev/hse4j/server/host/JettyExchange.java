package dev.hse4j.server.host;

import dev.hse4j.server.web.ErrorPage;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@link HostExchange} of a Jetty core request on hse4j's own connectors. It also carries what only this
 * binding has: the request itself (child requests, redirect records, the access log's attribute) and
 * {@link ResponseControl} (the flush flag, abortive close).
 */
final class JettyExchange implements HostExchange {

    final Request request;
    final Response response;
    final Callback callback;
    final ResponseControl control;
    final HeldCallback completion;
    private final JettyTransport transport;
    private JettyRequestFacts facts; // made when first asked (server variables): most requests never ask

    JettyExchange(Request request, Response response, Callback callback, int maxPiece) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.control = new ResponseControl(request, response);
        this.completion = new HeldCallback(control.completion(callback));
        this.transport = new JettyTransport(request, control, completion, maxPiece);
    }

    @Override public Transport transport() { return transport; }
    @Override
    public synchronized RequestFacts facts() {
        if (facts == null) {
            facts = new JettyRequestFacts(request);
        }
        return facts;
    }
    @Override public String query() { return request.getHttpURI().getQuery(); }
    @Override public String contentType() { return request.getHeaders().get(HttpHeader.CONTENT_TYPE); }
    /**
     * The declared body length, and 0 for an HTTP/1 request with neither Content-Length nor Transfer-Encoding:
     * it has no body (RFC 9112 6.3), though Jetty reports its length as unknown (-1). So a GET's ECB says
     * {@code totalBytes() == 0} whatever the read-ahead, and the host does not ask Jetty for a body to find none.
     */
    @Override
    public long contentLength() {
        long n = request.getLength();
        if (n < 0 && request.getConnectionMetaData().getHttpVersion().getVersion() < HttpVersion.HTTP_2.getVersion()
                && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            return 0;
        }
        return n;
    }
    @Override public void releaseBody() { transport.releaseBody(); }

    @Override
    public void answer(int status, String message, boolean retryAfter, boolean close) {
        List<HttpField> headers = new ArrayList<>(2);
        if (retryAfter) {
            headers.add(new HttpField(HttpHeader.RETRY_AFTER, "1"));
        }
        if (close) {
            headers.add(new HttpField(HttpHeader.CONNECTION, "close"));
        }
        ErrorPage.write(request, response, callback, status, message, headers.toArray(new HttpField[0]));
    }

    @Override
    public void abort(Throwable cause) {
        callback.failed(cause);
    }
}
