package dev.hse4j.server.host;

/**
 * One request as a binding hands it to the {@link ExtensionHost}: the {@link Transport} the session state machine
 * drives, the {@link RequestFacts} the server variables read, and the few request fields the ECB carries. hse4j's
 * own server builds one over Jetty core; the servlet binding over a servlet request. Everything after (routing
 * under {@code /ext/}, limits, read-ahead, the ECB, the procedure call, the I/O rules, the session's end) is the
 * host's, the same for every binding.
 */
public interface HostExchange {

    /** @return what the state machine drives */
    Transport transport();

    /** @return what the server variables read */
    RequestFacts facts();

    /** @return the query string without {@code ?}, or {@code null} when there is none */
    String query();

    /** @return the request's Content-Type, or {@code null} */
    String contentType();

    /** @return the declared body length, or -1 when unknown (chunked, or no body declared) */
    long contentLength();

    /**
     * Answers before any extension ran (404, 503 while loading or busy, 413, 408, 400): a plain page, never
     * exception text. Ends the exchange.
     *
     * @param status the HTTP status
     * @param message one sentence for the client
     * @param retryAfter whether to add {@code Retry-After: 1}
     * @param close whether the connection closes after it (the body was not read)
     */
    void answer(int status, String message, boolean retryAfter, boolean close);

    /** The exchange fails before any extension ran (the client went away during the read-ahead). */
    void abort(Throwable cause);

    /**
     * @return where the binding's "/" is in the URL space (a servlet's context path and servlet path), so that
     *     SCRIPT_NAME and URL name the extension as the client addressed it; "" on hse4j's own server
     */
    default String scriptBase() {
        return "";
    }

    /** The host will not read the body any further (it answered without the extension). */
    default void releaseBody() {
    }
}
