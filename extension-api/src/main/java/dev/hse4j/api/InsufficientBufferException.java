package dev.hse4j.api;

/**
 * {@link IsapiError#INSUFFICIENT_BUFFER} (122) with the size needed: the first half of ISAPI's two-call
 * buffer sizing. Allocate {@link #requiredSize()} bytes and call again.
 */
public final class InsufficientBufferException extends IsapiException {

    private static final long serialVersionUID = 1L;

    private final int requiredSize;

    /**
     * @param requiredSize the buffer size, in bytes, that would have succeeded
     * @param what what was being copied, for the message
     */
    public InsufficientBufferException(int requiredSize, String what) {
        super(IsapiError.INSUFFICIENT_BUFFER, what + " needs a buffer of " + requiredSize + " bytes");
        this.requiredSize = requiredSize;
    }

    /** @return the buffer size, in bytes, that would have succeeded (terminator included) */
    public int requiredSize() {
        return requiredSize;
    }
}
