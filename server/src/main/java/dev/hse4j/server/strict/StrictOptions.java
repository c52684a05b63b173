package dev.hse4j.server.strict;

import dev.hse4j.server.config.StrictConfig;

import java.time.Duration;

import picocli.CommandLine.Option;

/** The command line's strict-mode flags (a picocli mixin of {@code Main}). */
public final class StrictOptions {

    @Option(names = "--strict", description = "Strict mode for every extension: report (once per extension, with "
            + "the stack of the offending call, on the log and the status page) buffers changed before their "
            + "completion, PENDING without doneWithSession, slow or blocking completions, threads left after "
            + "terminateExtension, calls on an ended session. Per extension: @ExtensionSettings(strict = true).")
    boolean strict;

    @Option(names = "--strict-completion-ms", paramLabel = "MS", description = "Strict mode: a completion callback "
            + "running longer than this is reported (default: ${DEFAULT-VALUE}).")
    long completionMs = StrictConfig.DEFAULT_COMPLETION_THRESHOLD.toMillis();

    /** @return the strict-mode configuration these flags give */
    public StrictConfig config() {
        return new StrictConfig(strict, Duration.ofMillis(completionMs), StrictConfig.DEFAULT_THREAD_GRACE);
    }
}
