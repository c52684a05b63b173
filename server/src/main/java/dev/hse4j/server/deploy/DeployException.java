package dev.hse4j.server.deploy;

/** A jar that cannot be deployed, with a reason meant for the operator. */
public final class DeployException extends Exception {

    private static final long serialVersionUID = 1L;

    DeployException(String reason) {
        super(reason);
    }

    DeployException(String reason, Throwable cause) {
        super(reason + ": " + cause, cause);
    }
}
