package dev.hse4j.server.limits;

import java.util.concurrent.atomic.AtomicLong;

/** Server-wide counts of requests the limits turned away (one instance per server; on the status page). */
public final class LimitStats {

    private final AtomicLong bulkheadRejections = new AtomicLong();
    private final AtomicLong slowBodies = new AtomicLong();
    private final AtomicLong slowResponses = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private final AtomicLong headTimeouts = new AtomicLong();

    /** A request found its extension's bulkhead full (503). */
    public void bulkheadRejected() { bulkheadRejections.incrementAndGet(); }
    /** A request body came too slowly, or not within the read timeout (408). */
    public void slowBody() { slowBodies.incrementAndGet(); }
    /** A client took a response too slowly (write failed, connection closed). */
    public void slowResponse() { slowResponses.incrementAndGet(); }
    /** A request body was over its extension's limit (413). */
    public void tooLarge() { tooLarge.incrementAndGet(); }
    /** A request head was not complete within the head timeout (408, connection closed). */
    public void headTimeout() { headTimeouts.incrementAndGet(); }

    /** @return 503s from full bulkheads */
    public long bulkheadRejections() { return bulkheadRejections.get(); }
    /** @return 408s for slow request bodies */
    public long slowBodies() { return slowBodies.get(); }
    /** @return responses cut because the client read them too slowly */
    public long slowResponses() { return slowResponses.get(); }
    /** @return 413s */
    public long tooLargeBodies() { return tooLarge.get(); }
    /** @return connections closed by the head timeout */
    public long headTimeouts() { return headTimeouts.get(); }
}
