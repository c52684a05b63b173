package dev.hse4j.api;

/** What {@link HttpExtension#httpExtensionProc} returns: ISAPI's {@code HSE_STATUS_*} codes. */
public enum HseStatus {
    /**
     * Done; the server finishes the response. As in IIS 4 and later this keeps the connection alive
     * whenever the response's framing allows it (a Content-Length, or chunked encoding).
     */
    SUCCESS(1),
    /** Done, and keep the connection for the next request; same framing rule as {@link #SUCCESS}. */
    SUCCESS_AND_KEEP_CONN(2),
    /**
     * The extension keeps the request and ends it later with
     * {@link ExtensionControlBlock#doneWithSession(HseStatus)}, from any thread. If it never does, the
     * session timeout aborts the response.
     */
    PENDING(3),
    /** Failure: a 500 if nothing was sent yet, otherwise the connection is closed. */
    ERROR(4);

    private final int code;

    HseStatus(int code) {
        this.code = code;
    }

    /** @return the ISAPI numeric value ({@code HSE_STATUS_SUCCESS} = 1, ...) */
    public int code() {
        return code;
    }
}
