package dev.hse4j.server.proxy;

import dev.hse4j.server.config.ProxyConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import picocli.CommandLine.Option;

/** The PROXY-protocol flags of the command line (a picocli mixin). */
public final class ProxyOptions {

    @Option(names = "--proxy-protocol", paramLabel = "http|https", split = ",",
            description = "Require a PROXY protocol header (v1 or v2, from HAProxy, nginx, AWS NLB...) on these "
                    + "listeners, comma-separated. Needs --trusted-proxies.")
    List<String> listeners = new ArrayList<>();

    @Option(names = "--trusted-proxies", paramLabel = "CIDR", split = ",",
            description = "Load balancers allowed to connect to the --proxy-protocol listeners, as CIDR blocks or "
                    + "addresses (10.0.0.0/8,192.0.2.7,fd00::/8). Any other peer is reset.")
    List<String> trusted = new ArrayList<>();

    @Option(names = "--proxy-header-timeout-ms", paramLabel = "MS",
            description = "How long a trusted proxy may take to send the whole header (default: ${DEFAULT-VALUE}).")
    long headerTimeoutMs = ProxyConfig.DEFAULT_HEADER_TIMEOUT.toMillis();

    @Option(names = "--proxy-max-header", paramLabel = "BYTES",
            description = "The largest PROXY header accepted (default: ${DEFAULT-VALUE}).")
    int maxHeader = ProxyConfig.DEFAULT_MAX_HEADER_BYTES;

    /**
     * @return the configuration
     * @throws IllegalArgumentException for an unknown listener or an incomplete combination
     */
    public ProxyConfig toConfig() {
        Set<ProxyConfig.Listener> set = EnumSet.noneOf(ProxyConfig.Listener.class);
        for (String l : listeners) {
            try {
                set.add(ProxyConfig.Listener.valueOf(l.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--proxy-protocol takes http and/or https, not '" + l + "'");
            }
        }
        return new ProxyConfig(set, trusted, Duration.ofMillis(headerTimeoutMs), maxHeader);
    }
}
