package dev.hse4j.server.ops;

import dev.hse4j.server.config.OpsConfig;

import java.time.Duration;

import picocli.CommandLine.Option;

/** The command-line flags of the operations layer (a picocli mixin of the main command). */
public final class OpsOptions {

    private static final OpsConfig D = OpsConfig.defaults();

    @Option(names = "--admin-port", paramLabel = "PORT", description = "Serve /hse/status.json, /hse/metrics and "
            + "/hse/history.json only on this separate port (0 picks a free one), not on the public ones "
            + "(default: no admin port; they are served on the public ports).")
    int adminPort = D.adminPort();

    @Option(names = "--admin-host", description = "Address of the admin port (default: ${DEFAULT-VALUE}).")
    String adminHost = D.adminHost();

    @Option(names = "--grace-period", paramLabel = "SECONDS", description = "After SIGTERM, keep serving this long "
            + "with /hse/ready answering 503, so a load balancer's health check takes the node out first: longer than "
            + "its interval x fall count (HAProxy inter 1s fall 2: 2 s); 0 stops accepting at once "
            + "(default: ${DEFAULT-VALUE}).")
    double graceSeconds = D.gracePeriod().toMillis() / 1000.0;

    @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", description = "Then, how long open requests "
            + "(PENDING ones included) may take to finish before they are cut and the extensions unloaded "
            + "(ADVISORY, then MUST); a second SIGTERM skips the waiting (default: the drain timeout).")
    Double shutdownSeconds;

    @Option(names = "--access-log-retain-days", paramLabel = "DAYS", description = "Start a new access-log file "
            + "every day (yyyy_mm_dd in its name) and delete those older than DAYS; 0 keeps one file "
            + "(default: ${DEFAULT-VALUE}).")
    int accessLogRetainDays = D.accessLogRetainDays();

    /** @return the settings @throws IllegalArgumentException for values out of range */
    public OpsConfig toConfig() {
        return new OpsConfig(adminHost, adminPort, millis(graceSeconds),
                shutdownSeconds == null ? null : millis(shutdownSeconds), accessLogRetainDays);
    }

    private static Duration millis(double seconds) {
        if (seconds < 0 || Double.isNaN(seconds)) {
            throw new IllegalArgumentException("durations must be >= 0 seconds, was " + seconds);
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }
}
