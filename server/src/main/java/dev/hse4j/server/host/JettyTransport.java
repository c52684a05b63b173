package dev.hse4j.server.host;

import dev.hse4j.server.web.ErrorPage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@link Transport} over Jetty core: a {@link Request}, its {@link Response} (hse4j's {@link ResponseControl}
 * in the host) and the exchange's {@link Callback}. It holds a partly consumed body chunk between reads.
 */
final class JettyTransport implements Transport {

    private final Request request;
    private final Response response;
    private final Callback exchange;
    private final int maxPiece;
    // One write is outstanding at a time (the machine's rule), so one Jetty callback serves them all.
    private volatile Done writeDone;
    private final Callback writeCallback = new Callback() {
        @Override
        public void succeeded() {
            writeDone.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            writeDone.failed(x);
        }
    };
    // The body: guarded by this.
    private Content.Chunk chunk;
    private boolean eof;
    private IOException failure;

    /**
     * @param request the request
     * @param response its response
     * @param exchange the exchange's callback, completed once by {@link #complete}, {@link #fail} or {@link #error}
     * @param maxPiece the largest single write
     */
    JettyTransport(Request request, Response response, Callback exchange, int maxPiece) {
        this.request = request;
        this.response = response;
        this.exchange = exchange;
        this.maxPiece = maxPiece;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String pathQuery() {
        return request.getHttpURI().getPathQuery();
    }

    @Override
    public int maxPiece() {
        return maxPiece;
    }

    /** Jetty sends a last write at once (and ends the response with it). */
    @Override
    public boolean sendsLastWriteAtOnce() {
        return true;
    }

    @Override
    public boolean isMultiplexed() {
        HttpVersion v = request.getConnectionMetaData().getHttpVersion();
        return v == HttpVersion.HTTP_2 || v == HttpVersion.HTTP_3;
    }

    @Override
    public boolean isPersistent() {
        if (isMultiplexed()) {
            return true;
        }
        return request.getConnectionMetaData().isPersistent()
                && !request.getHeaders().contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    @Override
    public boolean isOpen() {
        return request.getConnectionMetaData().getConnection().getEndPoint().isOpen();
    }

    @Override
    public void status(int status) {
        response.setStatus(status);
    }

    @Override
    public int status() {
        return response.getStatus();
    }

    @Override
    public void head(int status, List<HttpField> fields) {
        response.setStatus(status);
        for (HttpField f : fields) {
            response.getHeaders().add(f);
        }
    }

    @Override
    public long contentLength() {
        return ResponseHead.declaredLength(response.getHeaders());
    }

    @Override
    public boolean isCommitted() {
        return response.isCommitted();
    }

    @Override
    public void closeAfterResponse() {
        if (isMultiplexed()) {
            return; // the connection carries other streams; the stream itself ends with the response
        }
        if (!response.isCommitted()) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        } else {
            Request.addCompletionListener(request,
                    x -> request.getConnectionMetaData().getConnection().getEndPoint().close());
        }
    }

    @Override
    public boolean closesAfterResponse() {
        return response.getHeaders().contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    @Override
    public void write(boolean last, ByteBuffer content, Done done) {
        writeDone = done;
        response.write(last, content, writeCallback);
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int state = advance();
        if (state <= 0) {
            return state;
        }
        ByteBuffer b = chunk.getByteBuffer();
        int n = Math.min(b.remaining(), dst.remaining());
        int limit = b.limit();
        b.limit(b.position() + n);
        dst.put(b);
        b.limit(limit);
        return n;
    }

    @Override
    public synchronized int probe() throws IOException {
        return advance();
    }

    /** Moves to a chunk with bytes left: 1 if there is one, 0 at the end, or {@link #NOTHING_YET}. */
    private int advance() throws IOException {
        while (true) {
            if (failure != null) {
                throw failure;
            }
            if (chunk != null) {
                if (chunk.getByteBuffer().hasRemaining()) {
                    return 1;
                }
                boolean last = chunk.isLast();
                chunk.release();
                chunk = null;
                if (last) {
                    eof = true;
                }
            }
            if (eof) {
                return 0;
            }
            Content.Chunk c = request.read();
            if (c == null) {
                return NOTHING_YET;
            }
            if (Content.Chunk.isFailure(c)) {
                failure = classify(c.getFailure());
                continue;
            }
            chunk = c;
        }
    }

    /**
     * Jetty reports a body that breaks its framing after the headers as an "early EOF" (an {@link HttpException}
     * with a 4xx code), exactly as it reports a client that went away mid-body. Only the connection tells
     * them apart: the client that went away has shut its side (the read that saw it returned -1 and shut
     * the input); the one that sent bad framing has not.
     */
    private IOException classify(Throwable f) {
        boolean clientError = f instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500;
        if (clientError && !request.getConnectionMetaData().getConnection().getEndPoint().isInputShutdown()) {
            return new MalformedBody(f);
        }
        return f instanceof IOException io ? io : new IOException(f);
    }

    @Override
    public void demand(Runnable onReadable) {
        request.demand(onReadable);
    }

    /** Releases a held chunk: the body is not read any more. */
    synchronized void releaseBody() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }

    @Override
    public void complete() {
        releaseBody();
        exchange.succeeded();
    }

    @Override
    public void fail(Throwable why) {
        releaseBody();
        exchange.failed(why);
    }

    @Override
    public void error(int status, String message, boolean closeConnection) {
        releaseBody();
        if (closeConnection) {
            ErrorPage.write(request, response, exchange, status, message,
                    new HttpField(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString()));
        } else {
            ErrorPage.write(request, response, exchange, status, message);
        }
    }

    @Override
    public void closeConnection() {
        if (!isMultiplexed()) {
            request.getConnectionMetaData().getConnection().getEndPoint().close();
        }
    }
}
