package dev.hse4j.api;

import java.io.IOException;

/**
 * A failed ECB call, with the Win32 error code an ISAPI extension would read from {@code GetLastError()}.
 *
 * <p>A failed call has no effect unless its documentation says otherwise; in particular a call refused
 * with {@link IsapiError#BUSY} leaves the pending operation untouched.
 */
public class IsapiException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errorCode;

    /**
     * @param errorCode the Win32 error code, see {@link IsapiError}
     * @param message what went wrong, for people
     */
    public IsapiException(int errorCode, String message) {
        super(IsapiError.name(errorCode) + " (" + errorCode + "): " + message);
        this.errorCode = errorCode;
    }

    /**
     * @param errorCode the Win32 error code, see {@link IsapiError}
     * @param message what went wrong, for people
     * @param cause the underlying failure
     */
    public IsapiException(int errorCode, String message, Throwable cause) {
        super(IsapiError.name(errorCode) + " (" + errorCode + "): " + message, cause);
        this.errorCode = errorCode;
    }

    /** @return the Win32 error code, see {@link IsapiError} */
    public int errorCode() {
        return errorCode;
    }
}
