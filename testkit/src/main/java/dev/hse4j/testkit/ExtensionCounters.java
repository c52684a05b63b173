package dev.hse4j.testkit;

/**
 * One extension's counters on the host, as the status page shows them.
 *
 * @param requests requests started on it
 * @param errors sessions that ended in ERROR, an exception, an aborted client or a timeout
 * @param timeouts PENDING sessions ended by the session timeout
 * @param inFlight requests in progress
 * @param pending requests in progress whose procedure returned PENDING
 */
public record ExtensionCounters(long requests, long errors, long timeouts, int inFlight, int pending) {
}
