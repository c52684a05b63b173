package dev.hse4j.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Outbound connections and operator settings for extensions; immutable. Nothing is allowed by default.
 *
 * @param allow destinations every extension may connect to: {@code host:port}, {@code [v6]:port}, or a CIDR
 *        block with an optional port ({@code 10.0.0.0/8}, {@code 10.0.0.0/8:443}, {@code [fd00::/8]:443})
 * @param allowPerExtension more destinations for one extension, by mount name
 * @param connectTimeout how long an outbound connect may take before it fails with WSAETIMEDOUT (10060)
 * @param extensionSettings operator settings handed to extensions ({@code ExtensionContext.setting}), by
 *        mount name, then key
 * @param fastOpen use TCP Fast Open where the transport and kernel allow it; {@code false} always connects,
 *        then sends
 * @param completionsOnIoThreads run the completions the I/O thread finds (data received, a send done) on
 *        that thread, saving two thread hand-offs per operation; {@code false} hands every completion to
 *        the server's worker threads (for extensions that block in completions)
 */
public record OutboundConfig(
        List<String> allow,
        Map<String, List<String>> allowPerExtension,
        Duration connectTimeout,
        Map<String, Map<String, String>> extensionSettings,
        boolean fastOpen,
        boolean completionsOnIoThreads) {

    /** The default connect timeout: 10 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public OutboundConfig {
        allow = List.copyOf(Objects.requireNonNull(allow, "allow"));
        allowPerExtension = Map.copyOf(Objects.requireNonNull(allowPerExtension, "allowPerExtension"));
        extensionSettings = Map.copyOf(Objects.requireNonNull(extensionSettings, "extensionSettings"));
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the outbound connect timeout must be positive");
        }
    }

    /** @return nothing allowed, no settings, the default timeout */
    public static OutboundConfig defaults() {
        return new OutboundConfig(List.of(), Map.of(), DEFAULT_CONNECT_TIMEOUT, Map.of(), true, true);
    }

    /** @param entries destinations for every extension @return a copy allowing them too */
    public OutboundConfig withAllow(String... entries) {
        List<String> a = new java.util.ArrayList<>(allow);
        a.addAll(List.of(entries));
        return new OutboundConfig(a, allowPerExtension, connectTimeout, extensionSettings, fastOpen,
                completionsOnIoThreads);
    }

    /** @param extension a mount name @param entries destinations for it @return a copy allowing them too */
    public OutboundConfig withAllowFor(String extension, String... entries) {
        Map<String, List<String>> m = new java.util.HashMap<>(allowPerExtension);
        List<String> l = new java.util.ArrayList<>(m.getOrDefault(extension, List.of()));
        l.addAll(List.of(entries));
        m.put(extension, List.copyOf(l));
        return new OutboundConfig(allow, m, connectTimeout, extensionSettings, fastOpen, completionsOnIoThreads);
    }

    /** @param on whether to use TCP Fast Open where available @return a copy with it */
    public OutboundConfig withFastOpen(boolean on) {
        return new OutboundConfig(allow, allowPerExtension, connectTimeout, extensionSettings, on, completionsOnIoThreads);
    }

    /** @param on whether completions may run on the I/O thread that found them @return a copy with it */
    public OutboundConfig withCompletionsOnIoThreads(boolean on) {
        return new OutboundConfig(allow, allowPerExtension, connectTimeout, extensionSettings, fastOpen, on);
    }

    /** @param t the connect timeout @return a copy with it */
    public OutboundConfig withConnectTimeout(Duration t) {
        return new OutboundConfig(allow, allowPerExtension, t, extensionSettings, fastOpen, completionsOnIoThreads);
    }

    /** @param extension a mount name @param key the key @param value the value @return a copy with the setting */
    public OutboundConfig withSetting(String extension, String key, String value) {
        Map<String, Map<String, String>> m = new java.util.HashMap<>(extensionSettings);
        Map<String, String> s = new java.util.HashMap<>(m.getOrDefault(extension, Map.of()));
        s.put(key, value);
        m.put(extension, Map.copyOf(s));
        return new OutboundConfig(allow, allowPerExtension, connectTimeout, m, fastOpen, completionsOnIoThreads);
    }
}
