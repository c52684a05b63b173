package dev.hse4j.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Strict mode: checks that cost a little and explain a lot (see {@code dev.hse4j.server.strict}).
 *
 * @param enabled on for every extension ({@code --strict}); an extension can also ask for it with
 *        {@code @ExtensionSettings(strict = true)}
 * @param completionThreshold a completion callback running longer than this is reported, with where its
 *        thread is at that moment
 * @param threadGrace how long threads the extension started may take to end after {@code terminateExtension}
 *        before they are reported as left running
 */
public record StrictConfig(boolean enabled, Duration completionThreshold, Duration threadGrace) {

    /** A completion should hand work off, not do it: 250 ms is far beyond what one needs. */
    public static final Duration DEFAULT_COMPLETION_THRESHOLD = Duration.ofMillis(250);
    /** Executors shut down in terminateExtension need a moment to let their threads go. */
    public static final Duration DEFAULT_THREAD_GRACE = Duration.ofSeconds(1);

    public StrictConfig {
        Objects.requireNonNull(completionThreshold, "completionThreshold");
        Objects.requireNonNull(threadGrace, "threadGrace");
        if (completionThreshold.isNegative() || completionThreshold.isZero()) {
            throw new IllegalArgumentException("the strict completion threshold must be positive");
        }
        if (threadGrace.isNegative()) {
            throw new IllegalArgumentException("the strict thread grace must be >= 0");
        }
    }

    /** @return strict mode off, with the default thresholds for extensions that ask for it */
    public static StrictConfig off() {
        return new StrictConfig(false, DEFAULT_COMPLETION_THRESHOLD, DEFAULT_THREAD_GRACE);
    }

    /** @return strict mode on for every extension, default thresholds */
    public static StrictConfig on() {
        return new StrictConfig(true, DEFAULT_COMPLETION_THRESHOLD, DEFAULT_THREAD_GRACE);
    }
}
