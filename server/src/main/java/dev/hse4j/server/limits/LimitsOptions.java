package dev.hse4j.server.limits;

import dev.hse4j.server.config.LimitsConfig;

import java.time.Duration;

import picocli.CommandLine.Option;

/** The command-line flags of {@link LimitsConfig} (a picocli mixin of {@code Main}). */
public final class LimitsOptions {

    private static final LimitsConfig D = LimitsConfig.defaults();

    @Option(names = "--virtual-threads", description = "Run extension calls on virtual threads, warning once if "
            + "this JVM has none (the default already uses them on Java 21+).")
    boolean virtualThreads;

    @Option(names = "--platform-threads", description = "Run extension calls on platform threads from the pool, "
            + "even on Java 21+.")
    boolean platformThreads;

    @Option(names = "--threads", description = "Size of the platform thread pool (default: ${DEFAULT-VALUE}).")
    int threads = D.maxThreads();

    @Option(names = "--max-concurrent-requests", paramLabel = "N", description = "Default cap on the requests one "
            + "extension may have inside httpExtensionProc or in synchronous I/O; over it a request gets 503 with "
            + "Retry-After at once; 0 = no cap; @ExtensionSettings(maxConcurrentRequests) overrides it "
            + "(default: half of --threads).")
    int maxConcurrentRequests = LimitsConfig.AUTO;

    @Option(names = "--min-request-rate", paramLabel = "BYTES_PER_S", description = "While the server waits for a "
            + "request body, it must arrive at least this fast; a slower body fails the read with 1460 and the "
            + "client gets 408; 0 = off (default: ${DEFAULT-VALUE}).")
    long minRequestRate = D.minRequestRate();

    @Option(names = "--min-response-rate", paramLabel = "BYTES_PER_S", description = "While an extension's write "
            + "is pending, the client must take it at least this fast, or the write fails with 1460 and the "
            + "connection is closed; 0 = off (default: ${DEFAULT-VALUE}).")
    long minResponseRate = D.minResponseRate();

    @Option(names = "--rate-grace", paramLabel = "SECONDS", description = "Slack of the minimum rates: a client may "
            + "fall this many seconds' worth of bytes behind before it fails (default: ${DEFAULT-VALUE}).")
    long rateGraceSeconds = D.rateGrace().toSeconds();

    @Option(names = "--header-timeout", paramLabel = "SECONDS", description = "Time a client has to send a whole "
            + "request head, from connecting or from the request's first byte; then 408 and the connection is "
            + "closed (default: ${DEFAULT-VALUE}).")
    long headerTimeoutSeconds = D.headerTimeout().toSeconds();

    @Option(names = "--max-request-body", paramLabel = "BYTES", description = "Default largest request body an "
            + "extension accepts: over it, 413 (declared length) or a failing read then 413 (chunked); 0 = no "
            + "limit; @ExtensionSettings(maxRequestBodyBytes) overrides it (default: ${DEFAULT-VALUE}).")
    long maxRequestBody = D.maxRequestBody();

    @Option(names = "--write-behind-limit", paramLabel = "BYTES", description = "Per request, the most bytes of a "
            + "nonBlocking extension's synchronous writes that may wait unsent for a slow client while its procedure "
            + "runs on a network thread; past it such a write fails with 10035 WSAEWOULDBLOCK "
            + "(default: ${DEFAULT-VALUE}).")
    long writeBehindLimit = D.writeBehindLimit();

    @Option(names = "--ignore-non-blocking", description = "Run every extension's procedure on a worker thread, also "
            + "those that declare @ExtensionSettings(nonBlocking = true) (for one that declares it and blocks anyway: "
            + "it would stall a network thread).")
    boolean ignoreNonBlocking;

    /** @return the limits these flags describe @throws IllegalArgumentException if they contradict each other */
    public LimitsConfig toConfig() {
        if (virtualThreads && platformThreads) {
            throw new IllegalArgumentException("--virtual-threads and --platform-threads exclude each other");
        }
        LimitsConfig.ThreadMode mode = virtualThreads ? LimitsConfig.ThreadMode.VIRTUAL
                : platformThreads ? LimitsConfig.ThreadMode.PLATFORM : LimitsConfig.ThreadMode.AUTO;
        return new LimitsConfig(mode, threads, maxConcurrentRequests, minRequestRate, minResponseRate,
                Duration.ofSeconds(rateGraceSeconds), Duration.ofSeconds(headerTimeoutSeconds), maxRequestBody,
                writeBehindLimit, !ignoreNonBlocking);
    }
}
