package dev.hse4j.api;

/**
 * The outcome of one asynchronous operation, handed to {@link IoCompletion#onCompletion(Completion)}:
 * the arguments of ISAPI's {@code PFN_HSE_IO_COMPLETION(pECB, pContext, cbIO, dwError)} plus a success
 * flag. Immutable.
 *
 * <p>Outbound connections ({@link OutboundConnection}) complete in the same shape; their connect
 * completes with the subclass {@link ConnectCompletion}, which adds the connection and whether the first
 * data went in the SYN.
 */
public class Completion {

    private final ExtensionControlBlock ecb;
    private final Object context;
    private final long bytesTransferred;
    private final int errorCode;

    /**
     * @param ecb the request's control block
     * @param context the context registered with the callback (may be {@code null})
     * @param bytesTransferred the bytes written or read
     * @param errorCode {@link IsapiError#NO_ERROR} on success, otherwise the Win32 error code
     */
    public Completion(ExtensionControlBlock ecb, Object context, long bytesTransferred, int errorCode) {
        this.ecb = ecb;
        this.context = context;
        this.bytesTransferred = bytesTransferred;
        this.errorCode = errorCode;
    }

    /**
     * @return the request's control block; for an outbound connection, the ECB through which it was opened,
     *     or {@code null} when it was opened outside a request (through {@link ExtensionContext#outbound()})
     */
    public ExtensionControlBlock ecb() {
        return ecb;
    }

    /** @return the context registered with the callback, possibly {@code null} */
    public Object context() {
        return context;
    }

    /**
     * The bytes transferred. For a write this is the whole write (on TLS, the sum of every record it
     * took); for a read, the bytes placed in the buffer, where 0 means end of body or client gone.
     *
     * @return bytes transferred
     */
    public long bytesTransferred() {
        return bytesTransferred;
    }

    /** @return {@code true} if the operation succeeded ({@link #errorCode()} is 0) */
    public boolean isSuccess() {
        return errorCode == IsapiError.NO_ERROR;
    }

    /**
     * The Win32 error code: 0 on success; {@link IsapiError#OPERATION_ABORTED} (995) when the client
     * went away or the operation was cancelled; {@link IsapiError#NETNAME_DELETED} (64) after
     * {@link ExtensionControlBlock#closeConnection()}. Outbound connections report the Winsock codes
     * listed in {@link OutboundConnection}.
     *
     * @return the error code
     */
    public int errorCode() {
        return errorCode;
    }

    @Override
    public String toString() {
        return "Completion[bytes=" + bytesTransferred + ", error=" + IsapiError.name(errorCode) + "]";
    }
}
