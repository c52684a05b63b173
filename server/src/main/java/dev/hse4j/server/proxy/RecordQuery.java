package dev.hse4j.server.proxy;

import dev.hse4j.api.InsufficientBufferException;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.RedirectRecord;

import org.eclipse.jetty.server.Request;

/**
 * The ECB's redirect-record queries for one request, in the shape of WFP's
 * {@code SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS}: access denied before anything else, then not found,
 * then the two-call sizing. "Not granted" and "not found" are expected answers, thrown without a stack trace
 * ({@link ExpectedAnswer}).
 */
public final class RecordQuery {

    private final ParsedRecord record;
    private final boolean granted;

    RecordQuery(ParsedRecord record, boolean granted) {
        this.record = record;
        this.granted = granted;
    }

    /**
     * @param request the request
     * @param granted whether the extension's settings ask for redirect records
     * @return the query for the request's connection
     */
    public static RecordQuery of(Request request, boolean granted) {
        ProxiedEndPoint p = ProxiedEndPoint.of(request);
        return new RecordQuery(p == null ? null : p.parsedRecord(), granted);
    }

    /**
     * @param buffer where to copy the raw record; {@code null} is a buffer of size 0
     * @return the bytes copied
     * @throws IsapiException 5, 1168, or 122 with the size needed
     */
    public int copyTo(byte[] buffer) throws IsapiException {
        ParsedRecord r = check();
        if (buffer == null || buffer.length < r.length()) {
            throw new InsufficientBufferException(r.length(), "the redirect record");
        }
        return r.copyTo(buffer);
    }

    /**
     * @return the parsed record
     * @throws IsapiException 5 or 1168
     */
    public RedirectRecord view() throws IsapiException {
        return check();
    }

    private ParsedRecord check() throws IsapiException {
        if (!granted) {
            throw new ExpectedAnswer(IsapiError.ACCESS_DENIED, "this extension is not granted redirect records: "
                    + "set @ExtensionSettings(redirectRecords = true)");
        }
        if (record == null) {
            throw new ExpectedAnswer(IsapiError.NOT_FOUND, "this connection did not come through a trusted proxy "
                    + "with a PROXY header");
        }
        return record;
    }
}
