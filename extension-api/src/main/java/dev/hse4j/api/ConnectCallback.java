package dev.hse4j.api;

/**
 * The completion routine of {@link OutboundService#connectEx}: called exactly once, on a server thread,
 * never inside the call that started the connect.
 */
@FunctionalInterface
public interface ConnectCallback {

    /**
     * Called when the connect (with its first data) has completed or failed.
     *
     * @param completion the outcome, the caller's context and the connection
     */
    void onConnect(ConnectCompletion completion);
}
