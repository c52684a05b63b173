package dev.hse4j.samples.proxy;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.InsufficientBufferException;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import java.util.Arrays;

/** The client connection's redirect record, queried with the two-call sizing. */
final class RedirectRecords {

    private static final System.Logger LOG = System.getLogger("proxy");

    private RedirectRecords() {
    }

    /**
     * @param ecb the request
     * @return the record's bytes exactly as received, or {@code null} when there is none to pass on: the
     *     connection did not come through a trusted proxy (1168), or this extension is not granted records
     *     (5), or the host has none (50)
     * @throws IsapiException any other failure of the query
     */
    static byte[] query(ExtensionControlBlock ecb) throws IsapiException {
        try {
            ecb.queryRedirectRecord(null); // a null buffer is size 0: always 122 with the size when there is a record
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "a redirect record fitted in no buffer");
        } catch (InsufficientBufferException e) {
            byte[] b = new byte[e.requiredSize()];
            int n = ecb.queryRedirectRecord(b);
            return n == b.length ? b : Arrays.copyOf(b, n);
        } catch (IsapiException e) {
            switch (e.errorCode()) {
                case IsapiError.NOT_FOUND, IsapiError.NOT_SUPPORTED -> {
                    return null;
                }
                case IsapiError.ACCESS_DENIED -> {
                    LOG.log(System.Logger.Level.DEBUG, "proxy: not granted redirect records; the upstream gets "
                            + "a header built from the client's addresses");
                    return null;
                }
                default -> throw e;
            }
        }
    }
}
