package dev.hse4j.testkit;

/**
 * How one request's session ended on the host, as the host itself recorded it.
 *
 * @param extension the mount name of the extension that served it
 * @param method the request method
 * @param pathQuery the request's path and query
 * @param outcome {@code OK}, {@code ERROR} (the extension returned ERROR or threw, or the client went away
 *        mid-response) or {@code TIMEOUT} (a PENDING session the session timeout ended)
 * @param pending whether {@code httpExtensionProc} returned PENDING
 * @param logData the extension's log data (setLogData and appendLogParameter), as the access log shows it
 * @param status the HTTP status the response carried
 */
public record SessionRecord(String extension, String method, String pathQuery, String outcome, boolean pending,
                            String logData, int status) {

    /** @return whether the session ended OK */
    public boolean ok() {
        return "OK".equals(outcome);
    }
}
