package dev.hse4j.samples.proxy;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.InsufficientBufferException;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;

import java.util.Arrays;

/** The client connection's redirect record, queried with the two-call sizing. */
final class RedirectRecords {

    private static final System.Logger LOG = System.getLogger("proxy");
    /** Room for a v2 header with IPv6 addresses and a few TLVs: most records fit the first call. */
    private static final int USUAL_SIZE = 256;
    /**
     * The first call's buffer, one per thread: most requests have no record (the query answers 1168), and
     * those that have one get an exact copy, so a fresh 256 bytes per request would be garbage either way.
     */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[USUAL_SIZE]);

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
            byte[] b = SCRATCH.get(); // most records fit: one call, no sizing exception
            try {
                return Arrays.copyOf(b, ecb.queryRedirectRecord(b));
            } catch (InsufficientBufferException e) { // a record with large TLVs: the second call of the sizing
                b = new byte[e.requiredSize()];
                int n = ecb.queryRedirectRecord(b);
                return n == b.length ? b : Arrays.copyOf(b, n);
            }
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
