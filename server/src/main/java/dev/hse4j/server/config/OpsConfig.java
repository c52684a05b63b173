package dev.hse4j.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The operations settings: admin listener, drain on SIGTERM, access-log rotation.
 *
 * @param adminHost the admin listener's address
 * @param adminPort the admin listener's port (0 = ephemeral), or -1 for none: then /hse/status.json and
 *        /hse/metrics are served on the main ports; with one, only there
 * @param gracePeriod after SIGTERM, how long the server keeps serving with /hse/ready answering 503, so a load
 *        balancer's health check takes the node out before it stops accepting
 * @param shutdownTimeout then, how long in-flight and PENDING sessions may take to finish before they are cut;
 *        {@code null} = the drain timeout
 * @param accessLogRetainDays 0: one access-log file; N &gt; 0: a file per day ({@code yyyy_mm_dd} in its
 *        name), files older than N days deleted at start and at each midnight rollover
 */
public record OpsConfig(String adminHost, int adminPort, Duration gracePeriod, Duration shutdownTimeout,
                        int accessLogRetainDays) {

    public OpsConfig {
        Objects.requireNonNull(adminHost, "adminHost");
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (adminPort < -1 || adminPort > 65535) {
            throw new IllegalArgumentException("admin port out of range: " + adminPort);
        }
        if (gracePeriod.isNegative() || (shutdownTimeout != null && shutdownTimeout.isNegative())) {
            throw new IllegalArgumentException("the grace period and shutdown timeout must be >= 0");
        }
        if (accessLogRetainDays < 0) {
            throw new IllegalArgumentException("access-log retain days must be >= 0, was " + accessLogRetainDays);
        }
    }

    /**
     * The default grace period: long enough for a typical health check to notice (HAProxy's {@code inter 1s
     * fall 2} takes about 2 s, a cloud balancer's 2 x 2 s about 4 s), short enough not to hold a deploy up.
     */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(5);

    /** @return no admin listener, the default grace period, shutdown timeout = drain timeout, one access-log file */
    public static OpsConfig defaults() {
        return new OpsConfig("127.0.0.1", -1, DEFAULT_GRACE_PERIOD, null, 0);
    }

    /** @return whether there is a separate admin listener */
    public boolean adminListener() {
        return adminPort >= 0;
    }

    /** @param v admin port, -1 = none @return a copy */
    public OpsConfig withAdminPort(int v) {
        return new OpsConfig(adminHost, v, gracePeriod, shutdownTimeout, accessLogRetainDays);
    }

    /** @param grace grace period @param timeout shutdown timeout @return a copy */
    public OpsConfig withDrain(Duration grace, Duration timeout) {
        return new OpsConfig(adminHost, adminPort, grace, timeout, accessLogRetainDays);
    }

    /** @param days retain days @return a copy */
    public OpsConfig withAccessLogRetainDays(int days) {
        return new OpsConfig(adminHost, adminPort, gracePeriod, shutdownTimeout, days);
    }
}
