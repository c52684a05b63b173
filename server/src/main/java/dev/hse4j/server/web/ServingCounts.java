package dev.hse4j.server.web;

/**
 * The host's request counters as the status page reads them. An interface here, implemented by the host,
 * so that the web layer does not depend on the extension host that depends on it.
 */
public interface ServingCounts {

    /** @return requests routed to extensions since start */
    long requests();

    /** @return sessions not yet ended */
    int liveSessions();

    /** @return sessions whose procedure returned PENDING and that have not ended */
    int pendingSessions();

    /** @return sessions that ended in ERROR, an exception or a timeout */
    long errors();

    /** @return sessions ended by the session timeout */
    long sessionTimeouts();
}
