package dev.hse4j.api;

import java.nio.ByteBuffer;

/**
 * EXTENSION_CONTROL_BLOCK: one per request, handed to {@link HttpExtension#httpExtensionProc}. Through it
 * an extension reads the request, writes the response and calls the ServerSupportFunction services.
 *
 * <h2>Lifetime</h2>
 * The ECB is valid from the call of {@code httpExtensionProc} until the request ends: when that call
 * returns anything but {@link HseStatus#PENDING}, or, after {@code PENDING}, when
 * {@link #doneWithSession(HseStatus)} is called or the session timeout fires. Afterwards every I/O call
 * fails with {@link IsapiError#INVALID_OPERATION}; the request fields stay readable.
 *
 * <h2>One operation at a time</h2>
 * At most one asynchronous operation ({@link #writeClientAsync}, {@link #readClientAsync},
 * {@link #transmitFile}, {@link #vectorSendAsync}, {@link #sendCustomErrorAsync}, {@link #execUrl}) may be
 * pending per request. While one is, every other
 * I/O call on the request, synchronous or not, fails at once with {@link IsapiError#BUSY} (170) and the
 * pending operation carries on untouched: bytes never interleave.
 *
 * <h2>Buffers</h2>
 * A buffer passed to an asynchronous call belongs to the server from the call until its completion has
 * been delivered: the extension must neither change nor reuse it before then; afterwards the server
 * keeps no reference to it. A buffer passed to a synchronous call is the caller's again when the call
 * returns. The server reads (or fills) the bytes between the buffer's position and limit and advances
 * its position by the bytes transferred.
 *
 * <h2>Threads</h2>
 * Any method may be called from any thread; calls on one ECB are serialised by the server.
 */
public interface ExtensionControlBlock {

    /**
     * {@link #totalBytes()} when the body's length is not known in advance (chunked upload, HTTP/2 without
     * content-length): read until {@link #readClient} returns 0. ISAPI's {@code 0xFFFFFFFF}.
     */
    long UNKNOWN_LENGTH = -1L;

    /** The longest {@link #setLogData(String) log data} kept, as ISAPI's {@code HSE_LOG_BUFFER_LEN} less its NUL. */
    int LOG_DATA_MAX = 79;

    // ---------------------------------------------------------------- request fields

    /** @return ISAPI's {@code dwVersion}: {@link ExtensionVersion#HSE_VERSION} (8.0) */
    int version();

    /** @return ConnID: an opaque id, unique per request in this server's life, never changed */
    long connId();

    /**
     * The context the connection's {@link AdmissionHook admission hook} returned when it accepted the
     * connection: the same object for every request on the connection (each HTTP/1.1 keep-alive request,
     * each HTTP/2 stream), another one on another connection. The server variable
     * {@code HSE_CONNECTION_CONTEXT} is its {@code toString()}.
     *
     * <p>The object comes from the hook's class loader: use it through JDK and {@code dev.hse4j.api} types
     * only (a class of the hook's jar is a different class in this jar). See {@link AdmissionHook}.
     *
     * @return the connection's context, or {@code null} when no hook gave one
     */
    default Object connectionContext() {
        return null;
    }

    /** @return REQUEST_METHOD, e.g. {@code GET} */
    String method();

    /** @return QUERY_STRING: the undecoded text after {@code ?}, without it; empty if none */
    String queryString();

    /**
     * @return PATH_INFO: the percent-decoded path after {@code /ext/<name>}, starting with {@code /}
     *     ({@code /x y} for {@code /ext/name/x%20y}); empty if none
     */
    String pathInfo();

    /** @return PATH_TRANSLATED: {@link #pathInfo()} mapped into the webroot; empty if there is no path info */
    String pathTranslated();

    /**
     * cbTotalBytes: the body's declared length, or {@link #UNKNOWN_LENGTH}. When a body of unknown length
     * fits entirely in the read-ahead, its length is known and reported (as mod_isapi does).
     *
     * @return the body length in bytes, or {@link #UNKNOWN_LENGTH}
     */
    long totalBytes();

    /**
     * cbAvailable: how many body bytes the server read ahead into {@link #data()} (at most the read-ahead
     * size, 48 KB by default). If it equals {@link #totalBytes()} the whole body is there; otherwise read
     * the rest with {@link #readClient} or {@link #readClientAsync}.
     *
     * @return the preloaded byte count
     */
    int available();

    /** @return lpbData: a read-only view of the {@link #available()} preloaded body bytes */
    ByteBuffer data();

    /** @return CONTENT_TYPE of the request, empty if none */
    String contentType();

    /** @return dwHttpStatusCode: the response status, for the log and for a response without explicit headers */
    int statusCode();

    /**
     * Sets dwHttpStatusCode. It is the status sent if the extension writes without calling
     * {@link #sendResponseHeader}, and the status logged.
     *
     * @param status an HTTP status code, 100 to 999
     */
    void setStatusCode(int status);

    /** @return lpszLogData: the extension's text for the access log, empty by default */
    String logData();

    /**
     * Sets lpszLogData, written into this request's access-log line. Longer than {@link #LOG_DATA_MAX}
     * characters is cut; control characters are replaced.
     *
     * @param text the log text
     */
    void setLogData(String text);

    // ---------------------------------------------------------------- server variables

    /**
     * GetServerVariable, as a string. Names: the CGI set (REQUEST_METHOD, QUERY_STRING, CONTENT_LENGTH,
     * REMOTE_ADDR, SERVER_NAME, ...), IIS's (URL, UNENCODED_URL, LOCAL_ADDR, REMOTE_PORT, HTTPS,
     * SERVER_PORT_SECURE, ...), {@code HTTP_<NAME>}, {@code HEADER_<Exact-Name>}, ALL_HTTP, ALL_RAW, and
     * {@code UNICODE_<name>}.
     *
     * <p>As in IIS: {@code URL} is the decoded path without the query ({@code SCRIPT_NAME} +
     * {@code PATH_INFO}), {@code UNENCODED_URL} the path and query exactly as the client sent them,
     * {@code PATH_TRANSLATED} {@code PATH_INFO} mapped into the webroot, and {@code SERVER_PORT} the port
     * the connection arrived on ({@code SERVER_NAME} is the Host header's name, the client's word).
     *
     * @param name the variable's name
     * @return the value
     * @throws IsapiException {@link IsapiError#INVALID_INDEX} (1413) for an unknown name,
     *     {@link IsapiError#NO_DATA} (232) for a known name without a value in this request
     */
    String getServerVariable(String name) throws IsapiException;

    /**
     * GetServerVariable with ISAPI's two-call sizing: the value is copied into {@code buffer} with a
     * terminating NUL (one byte; two for {@code UNICODE_} names, whose values are UTF-16LE). Other values
     * are ISO-8859-1 bytes, as ISAPI's ANSI strings.
     *
     * @param name the variable's name
     * @param buffer where to copy the value; {@code null} is a buffer of size 0
     * @return the bytes copied, terminator included
     * @throws InsufficientBufferException (122) if the buffer is too small, with the size needed;
     *     the buffer is left unchanged
     * @throws IsapiException 1413 or 232, as {@link #getServerVariable(String)}
     */
    int getServerVariable(String name, byte[] buffer) throws IsapiException;

    // ---------------------------------------------------------------- writing

    /**
     * WriteClient, synchronous: sends the buffer's remaining bytes on the calling thread, blocking until the
     * network has taken them. If no header was sent yet, the server first sends one with
     * {@link #statusCode()}. On a TLS connection the bytes go out in records of at most 16 KB.
     *
     * @param src the bytes; its position is advanced past what was sent
     * @return the bytes sent
     * @throws IsapiException {@link IsapiError#OPERATION_ABORTED} (995) if the client is gone,
     *     {@link IsapiError#NETNAME_DELETED} (64) after {@link #closeConnection()},
     *     {@link IsapiError#BUSY} (170) while an asynchronous operation is pending,
     *     {@link IsapiError#HANDLE_EOF} (38) if the bytes would go past the Content-Length the extension
     *     declared (nothing is sent; the connection is fine). Declaring a Content-Length and then writing
     *     fewer bytes is an error too: when the session ends the server closes the connection (the client
     *     would otherwise wait for the rest), logs the extension and counts an error.
     */
    int writeClient(ByteBuffer src) throws IsapiException;

    /**
     * WriteClient, synchronous, from an array. See {@link #writeClient(ByteBuffer)}.
     *
     * @param bytes the bytes to send
     * @return the bytes sent
     * @throws IsapiException as {@link #writeClient(ByteBuffer)}
     */
    default int writeClient(byte[] bytes) throws IsapiException {
        return writeClient(ByteBuffer.wrap(bytes));
    }

    /**
     * WriteClient with HSE_IO_ASYNC: returns at once; the registered {@link IoCompletion} is called exactly
     * once with the total bytes sent (however many TLS records they took) or the error. The buffer is the
     * server's until that completion (see "Buffers" above).
     *
     * @param src the bytes to send
     * @throws IsapiException {@link IsapiError#INVALID_PARAMETER} (87) if no completion is registered,
     *     {@link IsapiError#BUSY} (170) if an operation is pending, {@link IsapiError#HANDLE_EOF} (38) past
     *     the declared Content-Length (see {@link #writeClient(ByteBuffer)}); no completion follows a
     *     thrown call
     */
    void writeClientAsync(ByteBuffer src) throws IsapiException;

    /**
     * HSE_REQ_TRANSMIT_FILE: sends a file region (with optional head, tail, status line and headers)
     * asynchronously; completes through the info's own callback if it has one, else the registered one.
     *
     * @param info what to send
     * @throws IsapiException 87 if no completion is available, 170 if an operation is pending,
     *     {@link IsapiError#WSAEINVAL} (10022) if the offset is past the end of the file,
     *     {@link IsapiError#FILE_NOT_FOUND} (2) if the file does not exist
     */
    void transmitFile(TransmitFileInfo info) throws IsapiException;

    /**
     * HSE_REQ_VECTOR_SEND, synchronous: sends the vector's buffers and file regions in order.
     *
     * @param vector what to send
     * @return the bytes sent
     * @throws IsapiException as {@link #writeClient(ByteBuffer)}, and 10022 / 2 for a bad file region
     */
    long vectorSend(ResponseVector vector) throws IsapiException;

    /**
     * HSE_REQ_VECTOR_SEND with HSE_IO_ASYNC: as {@link #vectorSend}, completing through the registered
     * {@link IoCompletion} with the total bytes.
     *
     * @param vector what to send; its buffers are the server's until the completion
     * @throws IsapiException 87 without a registered completion, 170 if an operation is pending,
     *     10022 / 2 for a bad file region
     */
    void vectorSendAsync(ResponseVector vector) throws IsapiException;

    // ---------------------------------------------------------------- reading

    /**
     * ReadClient, synchronous: reads body bytes past the preloaded part. Returns as soon as at least one
     * byte is available; never blocks past the end of the body.
     *
     * @param dst where to put the bytes; its position is advanced
     * @return the bytes read; 0 at the end of the body
     * @throws IsapiException {@link IsapiError#TIMEOUT} (1460) if no byte came within the read timeout,
     *     {@link IsapiError#OPERATION_ABORTED} (995) if the client is gone, {@link IsapiError#READ_FAULT}
     *     (30) for a malformed body (the client is still connected; if the extension then ends with
     *     {@link HseStatus#ERROR} before sending anything, the client gets 400), 170 while an
     *     asynchronous operation is pending
     */
    int readClient(ByteBuffer dst) throws IsapiException;

    /**
     * HSE_REQ_ASYNC_READ_CLIENT: returns at once; the registered completion reports the bytes read into
     * {@code dst} (position advanced), where 0 means end of body or client gone.
     *
     * @param dst the buffer to fill; the server's until the completion
     * @throws IsapiException 87 if no completion is registered, 170 if an operation is pending
     */
    void readClientAsync(ByteBuffer dst) throws IsapiException;

    // ---------------------------------------------------------------- asynchronous control

    /**
     * HSE_REQ_IO_COMPLETION: registers the callback (and its context) for this request's asynchronous
     * operations. The last registration wins; {@code null} removes it. It does no I/O.
     *
     * @param completion the callback, or {@code null}
     * @param context any object, handed back in every {@link Completion}
     */
    void ioCompletion(IoCompletion completion, Object context);

    /**
     * HSE_REQ_DONE_WITH_SESSION: ends a request whose {@code httpExtensionProc} returned
     * {@link HseStatus#PENDING}. May be called from any thread.
     *
     * <p>It may come before {@code httpExtensionProc} has returned (a worker thread can finish first);
     * the session then ends when the procedure returns. From this call on, I/O on the request fails with
     * {@link IsapiError#INVALID_OPERATION}. If an operation is still pending, the session ends right
     * after its completion has been delivered: the response is never cut short. {@link HseStatus#ERROR}
     * aborts the response (500 if nothing was sent, else the connection is closed).
     *
     * @param status SUCCESS or SUCCESS_AND_KEEP_CONN (keep-alive when the framing allows it), or ERROR
     * @throws IsapiException {@link IsapiError#INVALID_OPERATION} (4317) if called twice, after the
     *     procedure returned something other than PENDING, or after the session ended (e.g. by the
     *     session timeout); the call then has no effect. {@link IsapiError#INVALID_PARAMETER} (87) for
     *     {@code PENDING}.
     */
    void doneWithSession(HseStatus status) throws IsapiException;

    /**
     * HSE_REQ_CANCEL_IO: the pending operation, if any, completes with
     * {@link IsapiError#OPERATION_ABORTED} (995). Cancelling a pending write closes the connection, since
     * a half-written response cannot be continued.
     */
    void cancelIo();

    /** @return HSE_REQ_IS_CONNECTED: {@code false} once the client is known to be gone */
    boolean isConnected();

    /**
     * HSE_REQ_CLOSE_CONNECTION: closes the client connection at once. A pending operation completes with
     * {@link IsapiError#NETNAME_DELETED} (64); wait for it before {@link #doneWithSession}.
     */
    void closeConnection();

    // ---------------------------------------------------------------- response services

    /**
     * HSE_REQ_SEND_RESPONSE_HEADER: sends the status line and headers, once per request. The server keeps
     * the parsed form of the header blocks it sees most: a block that does not change from one request to the
     * next is best a constant ({@code static final String}), which is found at once.
     *
     * @param status e.g. {@code "200 OK"}, or {@code null} for {@link #statusCode()}
     * @param headers extra headers as {@code "Name: value\r\n"} lines (a final empty line is allowed), or
     *     {@code null}
     * @throws IsapiException {@link IsapiError#INVALID_OPERATION} if headers were already sent,
     *     {@link IsapiError#INVALID_PARAMETER} for a malformed status or header
     */
    default void sendResponseHeader(String status, String headers) throws IsapiException {
        sendResponseHeader(status, headers, true);
    }

    /**
     * HSE_REQ_SEND_RESPONSE_HEADER_EX: as {@link #sendResponseHeader(String, String)}, saying whether the
     * connection may be kept alive after this response.
     *
     * @param status e.g. {@code "200 OK"}, or {@code null} for {@link #statusCode()}
     * @param headers extra headers, or {@code null}
     * @param keepConn {@code false} adds {@code Connection: close}
     * @throws IsapiException as {@link #sendResponseHeader(String, String)}
     */
    void sendResponseHeader(String status, String headers, boolean keepConn) throws IsapiException;

    /**
     * HSE_REQ_SEND_URL_REDIRECT_RESP: answers {@code 302 Found} with {@code Location: url}.
     *
     * @param url an absolute URL or a path
     * @throws IsapiException {@link IsapiError#INVALID_OPERATION} if headers were already sent,
     *     {@link IsapiError#INVALID_PARAMETER} for a URL with control characters
     */
    void sendUrlRedirect(String url) throws IsapiException;

    /**
     * HSE_REQ_SEND_URL: in hse4j, as in the newer IIS documentation, the same as
     * {@link #sendUrlRedirect(String)}.
     *
     * @param url an absolute URL or a path
     * @throws IsapiException as {@link #sendUrlRedirect(String)}
     */
    void sendUrl(String url) throws IsapiException;

    /**
     * HSE_REQ_MAP_URL_TO_PATH: the webroot file a URL path names. Never a path outside the webroot.
     *
     * @param url a URL path such as {@code /images/a.png} (percent-encoding is decoded)
     * @return the absolute file-system path
     * @throws IsapiException {@link IsapiError#ACCESS_DENIED} (5) if the URL would leave the webroot,
     *     {@link IsapiError#INVALID_PARAMETER} for a malformed URL
     */
    String mapUrlToPath(String url) throws IsapiException;

    /**
     * HSE_APPEND_LOG_PARAMETER: appends text to this request's access-log line (after the log data).
     *
     * @param text the text; control characters are replaced
     */
    void appendLogParameter(String text);

    /** @return HSE_REQ_IS_KEEP_CONN: whether the connection will stay open after this response */
    boolean isKeepConn();

    /**
     * HSE_REQ_GET_CERT_INFO_EX: the client certificate of this request's TLS connection and its
     * CERT_FLAGS (bit 0 present, bit 1 issuer not trusted), the same facts as the {@code CERT_*} server
     * variables. Without a client certificate (plain HTTP, or the client sent none) the result has
     * empty bytes and flags 0, as in IIS. The server asks for client certificates only when started
     * with client authentication ({@code --client-auth=want|need}).
     *
     * @return the certificate information; never {@code null}
     * @throws IsapiException {@link IsapiError#NOT_SUPPORTED} (50) from a host that has no TLS
     */
    default CertificateInfo getCertInfo() throws IsapiException {
        Object o = serverSupportFunction(HseReq.GET_CERT_INFO_EX, null);
        if (o instanceof CertificateInfo c) {
            return c;
        }
        throw new IsapiException(IsapiError.NOT_SUPPORTED, "this host does not report certificate information");
    }

    /**
     * HSE_REQ_MAP_URL_TO_PATH_EX (and MAP_UNICODE_URL_TO_PATH_EX): as {@link #mapUrlToPath(String)}, with the
     * access flags of the URL's place and how much of the URL and of the path name that place.
     *
     * @param url a URL path
     * @return the mapping; never {@code null}
     * @throws IsapiException as {@link #mapUrlToPath(String)}
     */
    UrlMapping mapUrlToPathEx(String url) throws IsapiException;

    /**
     * HSE_REQ_NORMALIZE_URL: the canonical form of a URL path, as the server itself sees it: percent-escapes
     * decoded (UTF-8), {@code \} taken as {@code /}, repeated slashes folded, {@code .} and {@code ..}
     * segments resolved. A query ({@code ?...}) is kept as it is.
     *
     * @param url a URL path starting with {@code /}
     * @return the normalised URL
     * @throws IsapiException {@link IsapiError#INVALID_PARAMETER} (87) for a URL that climbs above the
     *     root, holds control characters or NUL, bad percent-escapes or invalid UTF-8
     */
    String normalizeUrl(String url) throws IsapiException;

    /**
     * HSE_REQ_EXEC_URL / HSE_REQ_EXEC_UNICODE_URL: runs a child request on another URL of this server (an
     * extension, a static file, a server page under {@code /hse/}) with the method, headers, body and flags
     * of {@code info}. The child's response goes to the client as part of this one: with its status and
     * headers (which this request must not have sent yet), or only its body with
     * {@link ExecUrlInfo#NO_HEADERS}. Asynchronous: it returns at once and the registered
     * {@link IoCompletion} is called once the child has ended, with the child's body bytes; then
     * {@link #getExecUrlStatus()} tells its status. It is the request's one outstanding operation meanwhile.
     *
     * @param info what to run
     * @throws IsapiException {@link IsapiError#INVALID_PARAMETER} (87) without a registered completion, for
     *     a malformed URL, method or header, or an unknown flag; {@link IsapiError#BUSY} (170) while an
     *     operation is pending; {@link IsapiError#INVALID_OPERATION} (4317) if the child is to send headers
     *     and this response's headers were already sent; {@link IsapiError#STACK_OVERFLOW} (1001) beyond
     *     {@link ExecUrlInfo#MAX_DEPTH} nested children. No completion follows a thrown call.
     */
    void execUrl(ExecUrlInfo info) throws IsapiException;

    /**
     * HSE_REQ_GET_EXEC_URL_STATUS: how the last child request of {@link #execUrl} ended.
     *
     * @return its status, sub-status and Win32 error
     * @throws IsapiException {@link IsapiError#INVALID_OPERATION} (4317) if no child has ended yet
     */
    ExecUrlStatus getExecUrlStatus() throws IsapiException;

    /**
     * HSE_REQ_SEND_CUSTOM_ERROR, synchronous: answers with the server's error page for a status and ends the
     * response. The page is the webroot's {@code errors/<status>.<subError>.html}, else
     * {@code errors/<status>.html}, else a short built-in page.
     *
     * @param status a status line such as {@code "404 Not Found"} (4xx or 5xx)
     * @param subError the sub-status, or 0
     * @throws IsapiException {@link IsapiError#INVALID_OPERATION} (4317) if headers were already sent,
     *     {@link IsapiError#INVALID_PARAMETER} (87) for a malformed or non-error status, 170 while an
     *     operation is pending, 995 if the client is gone
     */
    void sendCustomError(String status, int subError) throws IsapiException;

    /**
     * HSE_REQ_SEND_CUSTOM_ERROR with {@code fAsync}: as {@link #sendCustomError(String, int)}, completing
     * through the registered {@link IoCompletion} with the page's bytes.
     *
     * @param status a status line such as {@code "404 Not Found"}
     * @param subError the sub-status, or 0
     * @throws IsapiException as {@link #sendCustomError(String, int)}, and 87 without a registered completion
     */
    void sendCustomErrorAsync(String status, int subError) throws IsapiException;

    /**
     * HSE_REQ_SET_FLUSH_FLAG. hse4j sends each write to the client at once, so by default the flag is on
     * ({@code true}), as IIS after {@code SET_FLUSH_FLAG(TRUE)}. Turning it off buffers small writes
     * (under 8 KB) of this response and sends them together, in fewer TCP packets, when the buffer is full,
     * a larger write comes, the flag is turned on again (at the next write), or the response ends.
     * A buffered write still completes (and counts its bytes) at once.
     *
     * @param flush {@code true} to send each write at once, {@code false} to buffer small writes
     */
    void setFlushFlag(boolean flush);

    /**
     * HSE_REQ_REPORT_UNHEALTHY: marks this extension (this deployed version of it) unhealthy, with a reason.
     * The status page and {@code /hse/status.json} show it; when the server runs with
     * {@code --unhealthy-fails-readiness}, the node's readiness turns false (it should leave its load
     * balancer's rotation). The mark stays until the extension is redeployed or the server
     * restarts; requests keep being served meanwhile.
     *
     * @param reason why, for the operator; {@code null} for none (control characters are replaced, long
     *     text is cut at 256 characters)
     */
    void reportUnhealthy(String reason);

    /**
     * HSE_REQ_ABORTIVE_CLOSE: when this response has been sent, the connection is reset (TCP RST) instead of
     * closed gracefully and not kept alive; with {@link #closeConnection()} the reset is immediate. On
     * HTTP/2, where the connection carries other requests, only this request's stream is affected: it
     * ends normally and the connection stays.
     */
    void abortiveClose();

    /**
     * The outbound-connection service ({@link OutboundService#connectEx}) of the extension this request
     * runs in. Connections opened through it belong to the extension version, not to the request: they may
     * outlive it, and their completions carry this ECB. The same service without a request is
     * {@link ExtensionContext#outbound()}.
     *
     * @return the service
     * @throws IsapiException {@link IsapiError#NOT_SUPPORTED} (50) from a host without outbound connections
     */
    default OutboundService outbound() throws IsapiException {
        throw new IsapiException(IsapiError.NOT_SUPPORTED, "this host has no outbound connections");
    }

    /**
     * Copies this connection's redirect record, the PROXY protocol header a trusted load balancer sent
     * before the request, into {@code buffer}: the bytes exactly as received (what a proxy puts on its own
     * outbound connection to keep the two related), as WFP's
     * {@code SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS}. Size the buffer in two calls: call with
     * {@code null} (or a buffer of about 1 KB), catch {@link InsufficientBufferException}, allocate
     * {@link InsufficientBufferException#requiredSize()} bytes and call again.
     *
     * @param buffer where to copy the record; {@code null} is a buffer of size 0
     * @return the bytes copied (the record's length)
     * @throws InsufficientBufferException (122) if the buffer is too small, with the size needed; the
     *     buffer is left unchanged
     * @throws IsapiException {@link IsapiError#NOT_FOUND} (1168) if the connection did not come through a
     *     trusted proxy with a header (or came with a v2 {@code LOCAL} one, which has no record);
     *     {@link IsapiError#ACCESS_DENIED} (5) if the extension's {@link ExtensionSettings#redirectRecords()}
     *     is not set; {@link IsapiError#NOT_SUPPORTED} (50) from a host without redirect records
     */
    default int queryRedirectRecord(byte[] buffer) throws IsapiException {
        throw new IsapiException(IsapiError.NOT_SUPPORTED, "this host does not carry redirect records");
    }

    /**
     * This connection's redirect record, parsed: version, command, family, addresses and TLVs. Same
     * conditions as {@link #queryRedirectRecord(byte[])}.
     *
     * @return the record; never {@code null}
     * @throws IsapiException {@link IsapiError#NOT_FOUND} (1168), {@link IsapiError#ACCESS_DENIED} (5) or
     *     {@link IsapiError#NOT_SUPPORTED} (50), as {@link #queryRedirectRecord(byte[])}
     */
    default RedirectRecord redirectRecord() throws IsapiException {
        throw new IsapiException(IsapiError.NOT_SUPPORTED, "this host does not carry redirect records");
    }

    /**
     * ServerSupportFunction by number, for code ported from C. Supported codes map onto the methods of
     * this interface, as {@link HseReq} documents for each; services that need Windows fail with
     * {@link IsapiError#NOT_SUPPORTED} (50), unknown codes with {@link IsapiError#INVALID_PARAMETER} (87).
     *
     * @param hseReq an {@code HSE_REQ_*} code from {@link HseReq}
     * @param parameter the code's input, as {@link HseReq} documents, or {@code null}
     * @return the code's output, as {@link HseReq} documents, or {@code null}
     * @throws IsapiException the service's error, or 50 / 87 as above
     */
    Object serverSupportFunction(int hseReq, Object parameter) throws IsapiException;
}
