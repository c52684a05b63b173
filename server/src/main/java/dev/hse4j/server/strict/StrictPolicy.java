package dev.hse4j.server.strict;

import dev.hse4j.server.config.StrictConfig;

/**
 * The server's strict mode: its configuration and where findings go. A deployment that runs strict holds
 * it; one that does not holds {@code null}, so strict mode off costs a null check per request.
 *
 * @param config thresholds, and whether every extension runs strict
 * @param reports the findings
 */
public record StrictPolicy(StrictConfig config, StrictReports reports) {

    /**
     * @param extensionAsks whether the extension's {@code @ExtensionSettings(strict = true)} asks for it
     * @return whether an extension runs strict
     */
    public boolean appliesTo(boolean extensionAsks) {
        return config.enabled() || extensionAsks;
    }
}
