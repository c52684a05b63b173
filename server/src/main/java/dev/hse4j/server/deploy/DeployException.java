package dev.hse4j.server.deploy;

/** A jar that cannot be deployed, with a reason meant for the operator. */
public final class DeployException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean nameClash;

    DeployException(String reason) {
        this(reason, false);
    }

    DeployException(String reason, boolean nameClash) {
        super(reason);
        this.nameClash = nameClash;
    }

    DeployException(String reason, Throwable cause) {
        super(reason + ": " + cause, cause);
        this.nameClash = false;
    }

    /** @return whether the jar failed only because another jar serves one of its names (worth a retry when a jar goes) */
    public boolean nameClash() {
        return nameClash;
    }
}
