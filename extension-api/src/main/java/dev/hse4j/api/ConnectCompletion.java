package dev.hse4j.api;

/**
 * The outcome of {@link OutboundService#connectEx}: the one hse4j completion shape (success, error code,
 * bytes of first data sent, the caller's context) plus the connection and whether the first data went in
 * the SYN. Immutable.
 */
public final class ConnectCompletion extends Completion {

    private final OutboundConnection connection;
    private final boolean firstDataInSyn;

    /**
     * @param ecb the ECB the connect was started through, or {@code null} outside a request
     * @param context the caller's context
     * @param firstDataSent bytes of the first data sent (all of it on success)
     * @param errorCode 0 on success, else the Winsock code
     * @param connection the connection (on failure too: close it)
     * @param firstDataInSyn whether the peer acknowledged first data carried in the SYN (TCP Fast Open)
     */
    public ConnectCompletion(ExtensionControlBlock ecb, Object context, long firstDataSent, int errorCode,
                             OutboundConnection connection, boolean firstDataInSyn) {
        super(ecb, context, firstDataSent, errorCode);
        this.connection = connection;
        this.firstDataInSyn = firstDataInSyn;
    }

    /** @return the connection: usable when {@link #isSuccess()}, otherwise only to be closed */
    public OutboundConnection connection() {
        return connection;
    }

    /**
     * @return {@code true} when the first data went in the SYN and the peer acknowledged it there (the
     *     kernel's {@code TCP_INFO} SYN-data bit); {@code false} when it was sent after the handshake
     */
    public boolean firstDataInSyn() {
        return firstDataInSyn;
    }

    @Override
    public String toString() {
        return "ConnectCompletion[bytes=" + bytesTransferred() + ", error=" + IsapiError.name(errorCode())
                + ", inSyn=" + firstDataInSyn + "]";
    }
}
