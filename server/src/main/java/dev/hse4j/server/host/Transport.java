package dev.hse4j.server.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.eclipse.jetty.http.HttpField;

/**
 * What the session state machine ({@link RequestIo}) needs from the HTTP exchange underneath it, and
 * nothing more: one implementation per binding. {@link JettyTransport} adapts Jetty core's
 * {@code Request}/{@code Response}/{@code Callback}; the Servlet binding implements it with
 * {@code WriteListener}/{@code ReadListener}/{@code AsyncContext}. The ISAPI rules (one outstanding
 * operation, completions exactly once and never inside the starting call, pieces, the session's end,
 * timeouts, error codes) live in the machine, never here.
 *
 * <p><b>Threading contract.</b> The machine never has more than one {@link #write} and one {@link #demand}
 * outstanding, and never calls {@link #write} again before the previous write's {@link Done} ran. It may
 * call any method from any thread, but never two of {@link #write}, {@link #complete}, {@link #fail},
 * {@link #error} at once. A {@link Done} or a demand callback may run on any thread, also inside the call
 * that started it (a write the kernel took at once): the machine is ready for that. Callbacks must not
 * be run on a thread that may not block for long (a selector) unless the transport knows the machine's
 * callback is non-blocking; when in doubt, dispatch.
 *
 * <p><b>Ending.</b> Exactly one of {@link #complete}, {@link #fail} or {@link #error} ends the exchange,
 * once; after it the machine calls none of the write/read/head methods again (it may still ask
 * {@link #isOpen} and the request facts).
 */
public interface Transport {

    /** The outcome of one {@link #write}: exactly one of the two methods runs, exactly once. */
    interface Done {
        /** All the bytes were handed to the connection. */
        void succeeded();

        /** The write failed (the client went away, the exchange was failed); nothing more can be written. */
        void failed(Throwable cause);
    }

    /**
     * The request body broke its own framing (a chunk-size line that is not hex, ...): the client is still
     * there and is answered 400. Any other {@link IOException} from a read means the client went away.
     */
    final class MalformedBody extends IOException {
        private static final long serialVersionUID = 1L;

        /** @param cause what the transport saw */
        public MalformedBody(Throwable cause) {
            super("the request body is malformed", cause);
        }
    }

    /** {@link #read} found no byte now: call {@link #demand} and read again when it runs. */
    int NOTHING_YET = -1;

    // ------------------------------------------------------------------ the request

    /** @return the request method ({@code GET}, {@code HEAD}, ...) */
    String method();

    /** @return the request's path and query as received, for log lines */
    String pathQuery();

    /**
     * @return the largest single write the machine hands over: on a secure connection 16 KB (one TLS record
     *     per write), else {@link Integer#MAX_VALUE}
     */
    int maxPiece();

    /** @return whether the connection carries other exchanges too (HTTP/2, HTTP/3): it is never closed for one */
    boolean isMultiplexed();

    /** @return whether the client lets the connection carry another request after this one */
    boolean isPersistent();

    /** @return whether the connection is still open (it may close under the machine at any time) */
    boolean isOpen();

    // ------------------------------------------------------------------ the response head

    /** @param status the response status, before the response is committed */
    void status(int status);

    /** @return the response status set so far (200 if none) */
    int status();

    /**
     * Sets the head before the response is committed.
     *
     * @param status the status
     * @param fields fields added to the response's headers, in order
     */
    void head(int status, List<HttpField> fields);

    /** @return the Content-Length the response declares, or -1 */
    long contentLength();

    /** @return whether the status and headers have gone to the client (they can no longer change) */
    boolean isCommitted();

    /**
     * The connection closes after this response: "Connection: close" while the head can still change,
     * else the connection is closed once the exchange completes. No-op on a multiplexed connection.
     */
    void closeAfterResponse();

    /** @return whether the connection will close after this response ("Connection: close" in the head) */
    boolean closesAfterResponse();

    // ------------------------------------------------------------------ the response body

    /**
     * Writes bytes (commits the head first if needed). {@code content} belongs to the transport until
     * {@code done} runs.
     *
     * @param last whether this is the last write of the response (the body is complete after it)
     * @param content the bytes, at most {@link #maxPiece()} of them; may be empty
     * @param done told once when the bytes are written or the write failed
     */
    void write(boolean last, ByteBuffer content, Done done);

    /**
     * @return whether a last write is sent as promptly as any other, so that the write completing a declared
     *     Content-Length may be the last (the response then ends with it, without a second, empty write). A
     *     transport that holds a last write's bytes until {@link #complete()} says no: a PENDING session may
     *     complete its body long before it ends
     */
    default boolean sendsLastWriteAtOnce() {
        return false;
    }

    // ------------------------------------------------------------------ the request body

    /**
     * Copies body bytes available now into {@code dst}, never waiting.
     *
     * @return bytes copied (at least 1), 0 at the end of the body, or {@link #NOTHING_YET}
     * @throws MalformedBody the body broke its framing
     * @throws IOException the client went away
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Tells whether body bytes are available now without copying any (a GET answers 0 at once).
     *
     * @return 1 if at least one byte can be read now, 0 at the end of the body, or {@link #NOTHING_YET}
     * @throws IOException as {@link #read}
     */
    int probe() throws IOException;

    /**
     * Runs {@code onReadable} once, when {@link #read} may return something new (bytes, the end, a
     * failure). At most one demand is outstanding. It may run inside this call. It runs on a thread where
     * no extension code may block (Jetty serialises demand callbacks): the machine hands extension code off.
     */
    void demand(Runnable onReadable);

    // ------------------------------------------------------------------ the end

    /** Ends the exchange successfully: the response is complete (a last write is made if none was). */
    void complete();

    /**
     * Fails the exchange: an HTTP/1 connection is closed, an HTTP/2 or 3 stream reset. The client never
     * sees a half response as whole.
     */
    void fail(Throwable why);

    /**
     * Ends the exchange with the server's plain error page (never exception text), or, when the response
     * is already committed, as {@link #fail}.
     *
     * @param status the HTTP status
     * @param message a sentence for the client, written by the server
     * @param closeConnection whether the connection closes after the page
     */
    void error(int status, String message, boolean closeConnection);

    /** Closes an HTTP/1 connection now, without a response; no-op on a multiplexed connection. */
    void closeConnection();
}
