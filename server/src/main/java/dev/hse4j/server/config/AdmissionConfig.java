package dev.hse4j.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.eclipse.jetty.util.InetAddressSet;

/**
 * The built-in connection-admission policies. A limit of 0 turns that policy off. See the README
 * ("Connection admission") for why the defaults are what they are.
 *
 * @param maxConnections open connections the server holds in all (both listeners); at the limit it stops
 *        accepting (new clients wait in the kernel's backlog) until one closes: Jetty's
 *        {@code NetworkConnectionLimit}
 * @param maxConnectionsPerIp open connections one client address may hold (IPv6: one /64 network); one more
 *        is refused (reset)
 * @param acceptRatePerIp new connections per second one client address may open (a token bucket holding one
 *        second's worth); one more is refused (reset)
 * @param allow if not empty, only these addresses or CIDR networks may connect; others are refused
 * @param deny these addresses or CIDR networks are refused (checked before {@code allow})
 * @param insufficientPause how long a listener stops accepting after an "insufficient resources" verdict
 * @param logContext whether the access log shows each request's connection context (a last quoted field)
 */
public record AdmissionConfig(int maxConnections, int maxConnectionsPerIp, int acceptRatePerIp,
                              List<String> allow, List<String> deny, Duration insufficientPause,
                              boolean logContext) {

    /** The default cap on open connections: well under the descriptor limit a JVM raises itself to. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** The default per-address cap: far above a browser's 6 to 8 per host, far below a flood. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 256;
    /** The default pause after an "insufficient resources" verdict. */
    public static final Duration DEFAULT_INSUFFICIENT_PAUSE = Duration.ofMillis(100);

    public AdmissionConfig {
        if (maxConnections < 0 || maxConnectionsPerIp < 0 || acceptRatePerIp < 0) {
            throw new IllegalArgumentException("connection limits must be >= 0 (0 = no limit)");
        }
        allow = List.copyOf(Objects.requireNonNull(allow, "allow"));
        deny = List.copyOf(Objects.requireNonNull(deny, "deny"));
        Objects.requireNonNull(insufficientPause, "insufficientPause");
        if (insufficientPause.isNegative()) {
            throw new IllegalArgumentException("the accept pause must be >= 0");
        }
        for (String cidr : allow) {
            check("--allow", cidr);
        }
        for (String cidr : deny) {
            check("--deny", cidr);
        }
    }

    private static void check(String flag, String pattern) {
        try {
            new InetAddressSet().add(pattern);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(flag + ": '" + pattern + "' is not an address, a CIDR network "
                    + "(10.0.0.0/8, 2001:db8::/32) or a range (10.0.0.1-10.0.0.9)");
        }
    }

    /** @return what a bare {@code java -jar hse4j-server.jar} runs with */
    public static AdmissionConfig defaults() {
        return new AdmissionConfig(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP, 0, List.of(), List.of(),
                DEFAULT_INSUFFICIENT_PAUSE, false);
    }

    /** @return no built-in policy at all (hooks still run) */
    public static AdmissionConfig none() {
        return new AdmissionConfig(0, 0, 0, List.of(), List.of(), DEFAULT_INSUFFICIENT_PAUSE, false);
    }

    /** @param v the global cap, 0 = none @return a copy with it */
    public AdmissionConfig withMaxConnections(int v) {
        return new AdmissionConfig(v, maxConnectionsPerIp, acceptRatePerIp, allow, deny, insufficientPause, logContext);
    }

    /** @param v the per-address cap, 0 = none @return a copy with it */
    public AdmissionConfig withMaxConnectionsPerIp(int v) {
        return new AdmissionConfig(maxConnections, v, acceptRatePerIp, allow, deny, insufficientPause, logContext);
    }

    /** @param v the per-address accept rate, 0 = none @return a copy with it */
    public AdmissionConfig withAcceptRatePerIp(int v) {
        return new AdmissionConfig(maxConnections, maxConnectionsPerIp, v, allow, deny, insufficientPause, logContext);
    }

    /** @param allowList allowed networks @param denyList denied networks @return a copy with them */
    public AdmissionConfig withLists(List<String> allowList, List<String> denyList) {
        return new AdmissionConfig(maxConnections, maxConnectionsPerIp, acceptRatePerIp, allowList, denyList,
                insufficientPause, logContext);
    }

    /** @param v the pause after "insufficient resources" @return a copy with it */
    public AdmissionConfig withInsufficientPause(Duration v) {
        return new AdmissionConfig(maxConnections, maxConnectionsPerIp, acceptRatePerIp, allow, deny, v, logContext);
    }

    /** @param v whether the access log shows the connection context @return a copy with it */
    public AdmissionConfig withLogContext(boolean v) {
        return new AdmissionConfig(maxConnections, maxConnectionsPerIp, acceptRatePerIp, allow, deny,
                insufficientPause, v);
    }
}
