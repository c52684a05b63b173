package dev.hse4j.server.tls;

/**
 * The HTTPS configuration cannot be used: a missing or unreadable certificate, a wrong password, a key
 * that does not match its certificate, Conscrypt forced where it cannot load. The message is written for
 * the operator and is complete on its own (the command line prints it without a stack trace).
 */
public final class TlsSetupException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and, where possible, what to do */
    public TlsSetupException(String message) {
        super(message);
    }

    /** @param message what is wrong @param cause the underlying failure, for debugging */
    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
