package dev.hse4j.server.ops;

import dev.hse4j.api.IsapiError;
import dev.hse4j.server.admission.AdmissionStats;
import dev.hse4j.server.outbound.OutboundConnections;
import dev.hse4j.server.proxy.ProxyStats;
import dev.hse4j.server.proxy.Rejection;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The connection layers' counters as meters: admission verdicts (and refusals by reason), PROXY headers
 * accepted and connections refused by reason, outbound connections opened, open, denied and failed by Winsock
 * code. The meters read the layers' own lock-free counters at scrape time (ops depends on those packages, never
 * the reverse). Reasons and Winsock codes appear as they first happen; both sets are small and fixed by the code.
 */
final class ConnectionMeters {

    private final MeterRegistry registry;
    private final AdmissionStats admission;
    private final OutboundConnections outbound;

    ConnectionMeters(MeterRegistry registry, AdmissionStats admission, ProxyStats proxy, OutboundConnections outbound) {
        this.registry = registry;
        this.admission = admission;
        this.outbound = outbound;
        if (admission != null) {
            verdict("accept", AdmissionStats::accepted);
            verdict("refuse", AdmissionStats::refused);
            verdict("insufficient_resources", AdmissionStats::insufficientResources);
            FunctionCounter.builder("hse4j.admission.accept.pauses", admission, AdmissionStats::pauses)
                    .description("Accept pauses after an 'insufficient resources' verdict").register(registry);
        }
        if (proxy != null) {
            for (Rejection r : Rejection.values()) {
                FunctionCounter.builder("hse4j.proxy.refused", proxy, p -> p.rejected(r))
                        .description("Connections to a PROXY-protocol listener refused or closed before HTTP, by reason")
                        .tags("reason", r.name().toLowerCase(Locale.ROOT)).register(registry);
            }
            accepted(proxy, "v1", ProxyStats::acceptedV1);
            accepted(proxy, "v2", ProxyStats::acceptedV2);
            accepted(proxy, "local", ProxyStats::acceptedLocal);
        }
        if (outbound != null) {
            FunctionCounter.builder("hse4j.outbound.connections.opened", outbound, OutboundConnections::opened)
                    .description("Outbound connections the extensions started (connectEx past the allow-list)")
                    .register(registry);
            FunctionCounter.builder("hse4j.outbound.connections.denied", outbound, OutboundConnections::denied)
                    .description("connectEx calls the outbound allow-list refused").register(registry);
            Gauge.builder("hse4j.outbound.connections.active", outbound, OutboundConnections::activeCount)
                    .description("Outbound connections connecting or connected now").register(registry);
            Gauge.builder("hse4j.outbound.connections.handles", outbound, OutboundConnections::openCount)
                    .description("Outbound connections the extensions have not closed yet (failed and reset ones "
                            + "included: like a socket handle, each needs close()); growing without bound is a leak")
                    .register(registry);
        }
    }

    private void verdict(String verdict, ToDoubleFunction<AdmissionStats> f) {
        FunctionCounter.builder("hse4j.admission.verdicts", admission, f)
                .description("Connections judged by admission, by verdict").tags("verdict", verdict).register(registry);
    }

    private void accepted(ProxyStats proxy, String header, ToDoubleFunction<ProxyStats> f) {
        FunctionCounter.builder("hse4j.proxy.accepted", proxy, f)
                .description("Connections accepted on a PROXY-protocol listener, by header (local: v2 health checks)")
                .tags("header", header).register(registry);
    }

    /** Registers the meters of reasons and codes seen since the last scrape (registering twice is a no-op). */
    void refresh() {
        if (admission != null) {
            for (String reason : admission.byReason().keySet()) {
                int colon = reason.indexOf(':');
                String verdict = colon < 0 ? "" : reason.substring(0, colon);
                FunctionCounter.builder("hse4j.admission.refusals", admission, a -> a.byReason(reason))
                        .description("Connections admission turned away, by verdict (refuse: reset; insufficient: "
                                + "closed, accepts paused) and reason")
                        .tags("verdict", verdict, "reason", colon < 0 ? reason : reason.substring(colon + 1))
                        .register(registry);
            }
        }
        if (outbound != null) {
            for (Integer code : outbound.failuresByCode().keySet()) {
                FunctionCounter.builder("hse4j.outbound.connections.failed", outbound,
                                o -> o.failuresByCode().getOrDefault(code, 0L))
                        .description("Outbound connects that failed, by the Winsock code of their completion")
                        .tags("code", Integer.toString(code), "error", IsapiError.name(code)).register(registry);
            }
        }
    }
}
