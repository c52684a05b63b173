package dev.hse4j.server.limits;

import dev.hse4j.server.config.LimitsConfig;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code limits} part of {@code /hse/status.json}: the settings in force and what they turned away. */
public final class LimitsStatus {

    private LimitsStatus() {
    }

    /**
     * @param root the status document (or the part it is added to)
     * @param limits the settings
     * @param stats the counts
     * @param virtualThreads whether extension calls run on virtual threads
     * @return {@code root}
     */
    public static ObjectNode addTo(ObjectNode root, LimitsConfig limits, LimitStats stats, boolean virtualThreads) {
        ObjectNode n = root.putObject("limits");
        n.put("threads", virtualThreads ? "virtual" : "platform");
        n.put("poolSize", limits.maxThreads());
        n.put("maxConcurrentRequests", limits.effectiveMaxConcurrentRequests());
        n.put("minRequestRate", limits.minRequestRate());
        n.put("minResponseRate", limits.minResponseRate());
        n.put("rateGraceMs", limits.rateGrace().toMillis());
        n.put("headerTimeoutMs", limits.headerTimeout().toMillis());
        n.put("maxRequestBodyBytes", limits.maxRequestBody());
        n.put("writeBehindLimitBytes", limits.writeBehindLimit());
        n.put("inlineNonBlocking", limits.inlineNonBlocking());
        n.put("busyRejected", stats.bulkheadRejections());
        n.put("slowBodies", stats.slowBodies());
        n.put("slowResponses", stats.slowResponses());
        n.put("tooLargeBodies", stats.tooLargeBodies());
        n.put("headTimeouts", stats.headTimeouts());
        return root;
    }
}
