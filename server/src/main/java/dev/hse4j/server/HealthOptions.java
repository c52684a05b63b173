package dev.hse4j.server;

import dev.hse4j.server.config.HealthConfig;

import picocli.CommandLine.Option;

/** The command-line flags of {@link HealthConfig}. */
final class HealthOptions {

    @Option(names = "--unhealthy-fails-readiness", description = "An extension that reports itself unhealthy "
            + "(HSE_REQ_REPORT_UNHEALTHY) takes this node out of rotation (health.ready false in /hse/status.json, /hse/ready 503) until it is redeployed. "
            + "Without it, reports are only shown on the status page.")
    boolean unhealthyFailsReadiness;

    HealthConfig config() {
        return new HealthConfig(unhealthyFailsReadiness);
    }
}
