package dev.hse4j.server.proxy;

import dev.hse4j.api.IsapiException;

/**
 * A query's expected "no" (not found, not granted), thrown as the API says but without a stack trace: a
 * proxy asks on every request and most connections have no record, so filling a trace through Jetty's
 * frames for each was a measurable share of a proxied request's cost (a ~2 KB trace, the largest
 * allocation of the request). The code and message are the whole answer.
 */
final class ExpectedAnswer extends IsapiException {

    private static final long serialVersionUID = 1L;

    ExpectedAnswer(int errorCode, String message) {
        super(errorCode, message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // no trace: see the class comment
    }
}
