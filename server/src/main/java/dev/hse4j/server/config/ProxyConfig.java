package dev.hse4j.server.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The PROXY protocol on hse4j's listeners (see {@code dev.hse4j.server.proxy}): which listeners expect a
 * PROXY header, from which peers, how fast and how large.
 *
 * @param listeners the listeners that require a PROXY header from every connection; empty: none
 * @param trustedProxies CIDR blocks or addresses of the proxies allowed to connect to those listeners;
 *        required when {@code listeners} is not empty (a connection from anyone else is reset)
 * @param headerTimeout how long a trusted proxy may take to send the whole header
 * @param maxHeaderBytes the largest header accepted, {@value #MIN_HEADER_BYTES} to {@value #MAX_HEADER_BYTES}
 */
public record ProxyConfig(Set<Listener> listeners, List<String> trustedProxies, Duration headerTimeout,
                          int maxHeaderBytes) {

    /** The listeners a PROXY header can be required on. */
    public enum Listener {
        /** The plain HTTP port. */
        HTTP,
        /** The HTTPS port: the header comes before the TLS handshake (the balancer passes TLS through). */
        HTTPS
    }

    /** The default header deadline: the specification's "a few seconds". */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(3);
    /** The default size limit: HAProxy's headers with every TLV fit many times over. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 4096;
    /** The smallest limit: a v2 header with UNIX addresses and no TLV (232 bytes). */
    public static final int MIN_HEADER_BYTES = 232;
    /** The largest header the specification allows: 16 + 65,535 bytes. */
    public static final int MAX_HEADER_BYTES = 16 + 65535;

    public ProxyConfig {
        listeners = listeners.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(listeners));
        trustedProxies = List.copyOf(trustedProxies);
        if (!listeners.isEmpty() && trustedProxies.isEmpty()) {
            throw new IllegalArgumentException("--proxy-protocol needs --trusted-proxies: the addresses of the load "
                    + "balancers allowed to send PROXY headers (anyone else could forge a client address)");
        }
        if (listeners.isEmpty() && !trustedProxies.isEmpty()) {
            throw new IllegalArgumentException("--trusted-proxies is given but no --proxy-protocol listener");
        }
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("the PROXY header timeout must be positive");
        }
        if (maxHeaderBytes < MIN_HEADER_BYTES || maxHeaderBytes > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the PROXY header limit must be " + MIN_HEADER_BYTES + " to "
                    + MAX_HEADER_BYTES + " bytes, was " + maxHeaderBytes);
        }
    }

    /** @return no PROXY protocol anywhere (the default) */
    public static ProxyConfig none() {
        return new ProxyConfig(Set.of(), List.of(), DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_HEADER_BYTES);
    }

    /**
     * @param listeners the listeners requiring the header
     * @param trustedProxies the trusted peers
     * @return that configuration with the default timeout and limit
     */
    public static ProxyConfig of(Set<Listener> listeners, List<String> trustedProxies) {
        return new ProxyConfig(listeners, trustedProxies, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_HEADER_BYTES);
    }

    /** @param l a listener @return whether it requires a PROXY header */
    public boolean on(Listener l) {
        return listeners.contains(l);
    }
}
