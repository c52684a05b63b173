package dev.hse4j.api;

/**
 * The Win32 error codes hse4j reports, with the meaning each has here. They appear in
 * {@link IsapiException#errorCode()} and {@link Completion#errorCode()}. Every constant is explained, with
 * what the extension should do, on the server's {@code /docs/errors.html} page; a constant added here needs
 * a row there (a test checks it).
 */
public final class IsapiError {

    private IsapiError() {
    }

    /** 0: success. */
    public static final int NO_ERROR = 0;
    /** 30 ERROR_READ_FAULT: the request body could not be read (malformed chunking, I/O failure). */
    public static final int READ_FAULT = 30;
    /**
     * 38 ERROR_HANDLE_EOF: a write would go past the end of the response body, as the Content-Length the
     * extension declared fixes it. Nothing of that write is sent; the response and the connection are as
     * they were, so the extension can still write the bytes the declared length lacks.
     */
    public static final int HANDLE_EOF = 38;
    /** 50 ERROR_NOT_SUPPORTED: a ServerSupportFunction service that has no meaning outside Windows. */
    public static final int NOT_SUPPORTED = 50;
    /**
     * 64 ERROR_NETNAME_DELETED: the connection was closed by
     * {@link ExtensionControlBlock#closeConnection()}; the operation pending at that moment fails with it.
     */
    public static final int NETNAME_DELETED = 64;
    /** 87 ERROR_INVALID_PARAMETER: a bad argument, an unknown service code, or no completion registered. */
    public static final int INVALID_PARAMETER = 87;
    /**
     * 122 ERROR_INSUFFICIENT_BUFFER: the caller's buffer is too small;
     * {@link InsufficientBufferException#requiredSize()} tells the size needed.
     */
    public static final int INSUFFICIENT_BUFFER = 122;
    /**
     * 170 ERROR_BUSY: another I/O operation of this request is still pending (the one-outstanding rule).
     * The pending operation is not affected.
     */
    public static final int BUSY = 170;
    /** 232 ERROR_NO_DATA: the server variable is known but has no value for this request. */
    public static final int NO_DATA = 232;
    /**
     * 1460 ERROR_TIMEOUT: a synchronous read waited longer than the read timeout, or the client sent the body
     * or took the response slower than the server's minimum data rate (then the server answers 408 itself,
     * or closes the connection if the response had started, and later I/O fails with 1460 too). (An operation pending
     * when the session timeout ends the session completes with {@link #OPERATION_ABORTED}.)
     */
    public static final int TIMEOUT = 1460;
    /** 995 ERROR_OPERATION_ABORTED: the client went away, or the operation was cancelled. */
    public static final int OPERATION_ABORTED = 995;
    /** 1413 ERROR_INVALID_INDEX: no server variable has that name. */
    public static final int INVALID_INDEX = 1413;
    /**
     * 4317 ERROR_INVALID_OPERATION: the call is not valid in the request's current state (headers sent
     * twice, doneWithSession twice or without PENDING, I/O after the session ended).
     */
    public static final int INVALID_OPERATION = 4317;
    /**
     * 1168 ERROR_NOT_FOUND: {@link ExtensionControlBlock#queryRedirectRecord(byte[])} or
     * {@link ExtensionControlBlock#redirectRecord()} on a connection that did not come through a trusted proxy
     * with a PROXY header (or came with a v2 {@code LOCAL} header, which carries no record).
     */
    public static final int NOT_FOUND = 1168;
    /** 2 ERROR_FILE_NOT_FOUND: a file named to a service does not exist. */
    public static final int FILE_NOT_FOUND = 2;
    /**
     * 5 ERROR_ACCESS_DENIED: a path or URL maps outside the webroot, an outbound destination is not on
     * the operator's allow-list, or an extension whose {@link ExtensionSettings#redirectRecords()} is not set
     * asked for a redirect record.
     */
    public static final int ACCESS_DENIED = 5;
    /**
     * 1001 ERROR_STACK_OVERFLOW ("recursion too deep"): a child request of
     * {@link ExtensionControlBlock#execUrl} would nest deeper than {@link ExecUrlInfo#MAX_DEPTH}, as when
     * an extension executes its own URL over and over.
     */
    public static final int STACK_OVERFLOW = 1001;
    /** 10022 WSAEINVAL: TransmitFile / VectorSend offset past the end of the file, as in IIS. */
    public static final int WSAEINVAL = 10022;
    /**
     * 111 ERROR_BUFFER_OVERFLOW: the first data given to {@link OutboundService#connectEx} is longer than
     * {@link OutboundService#MAX_FIRST_DATA} (65,535) bytes; nothing was sent.
     */
    public static final int BUFFER_OVERFLOW = 111;
    /**
     * 10035 WSAEWOULDBLOCK: a synchronous write by a {@link ExtensionSettings#nonBlocking() non-blocking}
     * extension, on the network thread, would have to wait: more than 1 MiB of its earlier synchronous writes
     * is still unsent (the client is slow), or the write itself is larger than that. Nothing of it was sent.
     */
    public static final int WSAEWOULDBLOCK = 10035;
    /** 10051 WSAENETUNREACH: an outbound connect found no route to the destination's network. */
    public static final int WSAENETUNREACH = 10051;
    /**
     * 10053 WSAECONNABORTED: the server closed an outbound connection itself (its extension version was
     * unloaded, or the server is stopping); pending operations complete with it.
     */
    public static final int WSAECONNABORTED = 10053;
    /**
     * 10054 WSAECONNRESET: the peer reset an outbound connection; pending operations complete with it and
     * further I/O fails with it until the connection is closed.
     */
    public static final int WSAECONNRESET = 10054;
    /** 10057 WSAENOTCONN: I/O on an outbound connection whose connect has not completed successfully. */
    public static final int WSAENOTCONN = 10057;
    /** 10058 WSAESHUTDOWN: a send after {@link OutboundConnection#shutdownOutput()}. */
    public static final int WSAESHUTDOWN = 10058;
    /** 10060 WSAETIMEDOUT: an outbound connect got no answer within the connect timeout. */
    public static final int WSAETIMEDOUT = 10060;
    /** 10061 WSAECONNREFUSED: nothing listens at the outbound destination (the peer answered with a reset). */
    public static final int WSAECONNREFUSED = 10061;
    /** 10065 WSAEHOSTUNREACH: an outbound connect found no route to the destination host. */
    public static final int WSAEHOSTUNREACH = 10065;
    /**
     * 223 ERROR_FILE_TOO_LARGE: the request body grew past the extension's maximum request body
     * ({@link ExtensionSettings#maxRequestBodyBytes()}); the read that crossed the limit fails with it and the
     * client is answered 413.
     */
    public static final int FILE_TOO_LARGE = 223;

    /**
     * A short name for an error code, for messages and logs.
     *
     * @param code a Win32 error code
     * @return its symbolic name, or {@code "ERROR_<code>"}
     */
    public static String name(int code) {
        switch (code) {
            case NO_ERROR: return "NO_ERROR";
            case FILE_NOT_FOUND: return "ERROR_FILE_NOT_FOUND";
            case ACCESS_DENIED: return "ERROR_ACCESS_DENIED";
            case READ_FAULT: return "ERROR_READ_FAULT";
            case HANDLE_EOF: return "ERROR_HANDLE_EOF";
            case NOT_SUPPORTED: return "ERROR_NOT_SUPPORTED";
            case NETNAME_DELETED: return "ERROR_NETNAME_DELETED";
            case INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
            case INSUFFICIENT_BUFFER: return "ERROR_INSUFFICIENT_BUFFER";
            case BUSY: return "ERROR_BUSY";
            case NO_DATA: return "ERROR_NO_DATA";
            case OPERATION_ABORTED: return "ERROR_OPERATION_ABORTED";
            case INVALID_INDEX: return "ERROR_INVALID_INDEX";
            case NOT_FOUND: return "ERROR_NOT_FOUND";
            case TIMEOUT: return "ERROR_TIMEOUT";
            case INVALID_OPERATION: return "ERROR_INVALID_OPERATION";
            case STACK_OVERFLOW: return "ERROR_STACK_OVERFLOW";
            case WSAEINVAL: return "WSAEINVAL";
            case BUFFER_OVERFLOW: return "ERROR_BUFFER_OVERFLOW";
            case WSAEWOULDBLOCK: return "WSAEWOULDBLOCK";
            case WSAENETUNREACH: return "WSAENETUNREACH";
            case WSAECONNABORTED: return "WSAECONNABORTED";
            case WSAECONNRESET: return "WSAECONNRESET";
            case WSAENOTCONN: return "WSAENOTCONN";
            case WSAESHUTDOWN: return "WSAESHUTDOWN";
            case WSAETIMEDOUT: return "WSAETIMEDOUT";
            case WSAECONNREFUSED: return "WSAECONNREFUSED";
            case WSAEHOSTUNREACH: return "WSAEHOSTUNREACH";
            case FILE_TOO_LARGE: return "ERROR_FILE_TOO_LARGE";
            default: return "ERROR_" + code;
        }
    }
}
