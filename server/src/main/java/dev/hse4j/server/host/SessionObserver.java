package dev.hse4j.server.host;

/**
 * Told of every extension session that ends, after its end (for the extension test kit, which reports
 * each request's outcome to the test). Called on a server thread; must be quick and must not throw.
 */
@FunctionalInterface
public interface SessionObserver {

    /**
     * One ended session.
     *
     * @param extension the mount name
     * @param method the request method
     * @param pathQuery the request's path and query
     * @param outcome {@code OK}, {@code ERROR} or {@code TIMEOUT}
     * @param pending whether the procedure returned PENDING
     * @param logData the extension's log data, as the access log shows it
     * @param status the response's HTTP status
     */
    record Ended(String extension, String method, String pathQuery, String outcome, boolean pending,
                 String logData, int status) {
    }

    /** @param ended the session that ended */
    void sessionEnded(Ended ended);
}
