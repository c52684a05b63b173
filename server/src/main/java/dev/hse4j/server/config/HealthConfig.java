package dev.hse4j.server.config;

/**
 * What extensions' own health reports (HSE_REQ_REPORT_UNHEALTHY) do to the node.
 *
 * @param unhealthyFailsReadiness {@code true}: one active extension that reported itself unhealthy takes the
 *        node out of rotation (readiness turns false); {@code false} (the default): the report is only shown
 *        on the status page, as IIS without health monitoring
 */
public record HealthConfig(boolean unhealthyFailsReadiness) {

    /** @return the defaults: reports are shown, readiness is not affected */
    public static HealthConfig defaults() {
        return new HealthConfig(false);
    }
}
