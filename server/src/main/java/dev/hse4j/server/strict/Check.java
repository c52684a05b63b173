package dev.hse4j.server.strict;

/** The mistakes strict mode catches; each is reported once per extension. */
public enum Check {
    /** A buffer handed to an asynchronous call changed before its completion (the server's until then). */
    BUFFER_CHANGED("a buffer changed while it was the server's"),
    /** PENDING was returned and doneWithSession never called: the session timeout had to end it. */
    PENDING_NEVER_DONE("PENDING without doneWithSession"),
    /** A completion callback ran longer than the threshold. */
    SLOW_COMPLETION("a completion callback ran too long"),
    /** A completion callback blocked in the ECB's own synchronous I/O. */
    SYNC_IO_IN_COMPLETION("synchronous I/O inside a completion callback"),
    /** Threads the extension started were still alive after terminateExtension. */
    THREADS_LEFT_RUNNING("threads left running after terminateExtension"),
    /** A call on an ECB whose session had ended (or after doneWithSession). */
    CALL_AFTER_END("a call on an ECB after its session ended"),
    /** A procedure declared nonBlocking ran longer than the threshold on a network thread. */
    BLOCKING_ON_NETWORK_THREAD("a nonBlocking procedure ran too long on a network thread");

    private final String title;

    Check(String title) {
        this.title = title;
    }

    /** @return what the check is about, for people */
    public String title() {
        return title;
    }
}
