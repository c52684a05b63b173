package dev.hse4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A small HTTP/1.1 client for the host under test; the same API in memory and over a socket.
 *
 * <p>{@link #get(String)}, {@link #post(String, String, byte[])} and {@link TestRequest#send()} use one
 * kept-alive connection, as a browser would; {@link TestRequest#start()} opens a connection of its own
 * for a request the test wants to hold, feed in pieces or abandon.
 */
public final class Hse4jClient implements AutoCloseable {

    /** Opens connections to the host. */
    interface Connector {
        Wire connect() throws IOException;
    }

    private final Connector connector;
    private Wire shared; // guarded by this

    Hse4jClient(Connector connector) {
        this.connector = connector;
    }

    /**
     * @param path the path and query, e.g. {@code /ext/hello?x=1}
     * @return the response
     */
    public TestResponse get(String path) {
        return request("GET", path).send();
    }

    /**
     * @param path the path and query
     * @param contentType the body's Content-Type
     * @param body the body
     * @return the response
     */
    public TestResponse post(String path, String contentType, byte[] body) {
        return request("POST", path).header("Content-Type", contentType).body(body).send();
    }

    /**
     * @param path the path and query
     * @param contentType the body's Content-Type
     * @param body the body, as UTF-8
     * @return the response
     */
    public TestResponse post(String path, String contentType, String body) {
        return post(path, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Starts building a request.
     *
     * @param method GET, POST, any token
     * @param path the path and query
     * @return the request builder
     */
    public TestRequest request(String method, String path) {
        return new TestRequest(this, method, path);
    }

    synchronized TestResponse sendShared(TestRequest r) {
        for (int attempt = 0; ; attempt++) {
            boolean reused = shared != null;
            try {
                if (shared == null) {
                    shared = connector.connect();
                }
                Exchange x = new Exchange(shared, r.isChunked(), r.isHead());
                writeRequest(x, r);
                TestResponse resp = x.response();
                if (resp.closesConnection() || (!r.isHead() && !resp.chunked() && resp.header("Content-Length") == null
                        && resp.status() != 204 && resp.status() != 304)) {
                    dropShared();
                }
                return resp;
            } catch (UncheckedIOException e) {
                abortShared();
                // A kept-alive connection the server closed meanwhile (idle timeout): once more, on a new one.
                if (!reused || attempt > 0 || !(e.getCause() instanceof java.io.EOFException)) {
                    throw e;
                }
            } catch (IOException e) {
                abortShared();
                throw new UncheckedIOException(e);
            }
        }
    }

    Exchange startOwn(TestRequest r) {
        Wire w;
        try {
            w = connector.connect();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Exchange x = new Exchange(w, r.isChunked(), r.isHead());
        writeRequest(x, r);
        return x;
    }

    private static void writeRequest(Exchange x, TestRequest r) {
        if (!r.isChunked() && r.parts().size() <= 1 && !r.leavesBodyOpen()) {
            x.sendRaw(r.headAndSinglePart()); // one write, as most clients send a small request
            x.endBody();
            return;
        }
        x.sendRaw(r.head());
        for (byte[] p : r.parts()) {
            x.write(p);
        }
        if (!r.leavesBodyOpen()) {
            x.endBody();
        }
    }

    private synchronized void dropShared() {
        if (shared != null) {
            try {
                shared.close();
            } catch (IOException ignored) {
                // closing a connection that is already gone
            }
            shared = null;
        }
    }

    private synchronized void abortShared() {
        if (shared != null) {
            try {
                shared.abort();
            } catch (IOException ignored) {
                // the connection is already gone
            }
            shared = null;
        }
    }

    /** Closes the kept-alive connection. */
    @Override
    public void close() {
        dropShared();
    }
}
