package dev.hse4j.server.admission;

import dev.hse4j.server.config.AdmissionConfig;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/** The command-line flags of the built-in admission policies (a picocli mixin of {@code Main}). */
public final class AdmissionOptions {

    private static final AdmissionConfig D = AdmissionConfig.defaults();

    @Option(names = "--max-connections", paramLabel = "N", description = "Open connections the server holds in "
            + "all; at the limit it stops accepting until one closes; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int maxConnections = D.maxConnections();

    @Option(names = "--max-connections-per-ip", paramLabel = "N", description = "Open connections one client "
            + "address (IPv6: /64) may hold; more are reset; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerIp = D.maxConnectionsPerIp();

    @Option(names = "--accept-rate-per-ip", paramLabel = "N", description = "New connections per second one "
            + "client address may open (bursts up to N); more are reset; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int acceptRatePerIp = D.acceptRatePerIp();

    @Option(names = "--allow", paramLabel = "CIDR", split = ",", description = "Only these addresses or networks "
            + "may connect (e.g. 10.0.0.0/8,192.168.1.7); others are reset. Repeatable. Default: everyone.")
    List<String> allow = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "CIDR", split = ",", description = "These addresses or networks are "
            + "reset (checked before --allow). Repeatable.")
    List<String> deny = new ArrayList<>();

    @Option(names = "--access-log-context", description = "Add each request's connection context (from the "
            + "admission hooks) to the access log, as a last quoted field.")
    boolean logContext;

    /** @return the configuration these flags describe @throws IllegalArgumentException for a bad value */
    public AdmissionConfig config() {
        return D.withMaxConnections(maxConnections).withMaxConnectionsPerIp(maxConnectionsPerIp)
                .withAcceptRatePerIp(acceptRatePerIp).withLists(allow, deny).withLogContext(logContext);
    }
}
