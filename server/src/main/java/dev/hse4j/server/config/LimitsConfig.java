package dev.hse4j.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What keeps one slow client class from taking the whole server: threads, per-extension bulkheads, minimum
 * data rates, the request-head timeout and the request-body limit. Immutable; {@link #defaults()} is what a
 * bare {@code java -jar hse4j-server.jar} runs with.
 *
 * @param threadMode where extension calls run: virtual threads when the JVM has them (Java 21+), or forced
 * @param maxThreads the size of the platform thread pool (Jetty's I/O, and requests when not on virtual threads)
 * @param maxConcurrentRequests the default cap on one extension's requests inside its procedure or in synchronous
 *        I/O (its bulkhead); 0 = no cap; {@link #AUTO} = half of {@code maxThreads}
 * @param minRequestRate bytes per second a request body must arrive at while the server waits for it; 0 = off
 * @param minResponseRate bytes per second a response must leave at while a write is pending; 0 = off
 * @param rateGrace how much slack the rates allow: a shortfall of more than this many seconds' worth of bytes fails
 * @param headerTimeout how long a client has, from connecting or from the first byte of a request, to send the whole
 *        request head (HTTP/1)
 * @param maxRequestBody the default largest request body an extension accepts, in bytes; 0 = no limit
 * @param writeBehindLimit the most bytes of a non-blocking extension's synchronous writes that may wait unsent for a
 *        slow client, per request, while its procedure runs on a network thread; past it a write fails with 10035
 * @param inlineNonBlocking whether extensions that declare {@code nonBlocking} run on the network thread; {@code false}
 *        runs every extension on a worker (for one that declares it and blocks anyway)
 */
public record LimitsConfig(
        ThreadMode threadMode,
        int maxThreads,
        int maxConcurrentRequests,
        long minRequestRate,
        long minResponseRate,
        Duration rateGrace,
        Duration headerTimeout,
        long maxRequestBody,
        long writeBehindLimit,
        boolean inlineNonBlocking) {

    /** Where extension calls run. */
    public enum ThreadMode {
        /** Virtual threads on Java 21+, platform threads otherwise (no warning). */
        AUTO,
        /** Virtual threads; on a JVM without them, platform threads and one warning. */
        VIRTUAL,
        /** Platform threads from the pool, always. */
        PLATFORM
    }

    /** {@code maxConcurrentRequests}: half of the thread pool. */
    public static final int AUTO = -1;
    /** The default minimum rates: 240 bytes/s, as Kestrel's MinRequestBodyDataRate/MinResponseDataRate. */
    public static final long DEFAULT_MIN_RATE = 240;
    /** The default request-head timeout: 20 s (nginx's client_header_timeout is 60 s). */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);
    /** The default request-body limit: 30,000,000 bytes, IIS's maxAllowedContentLength. */
    public static final long DEFAULT_MAX_REQUEST_BODY = 30_000_000L;
    /** The default write-behind limit: 1 MiB per request. */
    public static final long DEFAULT_WRITE_BEHIND_LIMIT = 1L << 20;

    public LimitsConfig {
        Objects.requireNonNull(threadMode, "threadMode");
        Objects.requireNonNull(rateGrace, "rateGrace");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        if (maxThreads < 16 || maxThreads > 10_000) {
            throw new IllegalArgumentException("--threads must be between 16 and 10000, was " + maxThreads);
        }
        if (maxConcurrentRequests < AUTO) {
            throw new IllegalArgumentException("--max-concurrent-requests must be >= 0 (0 = no cap), was "
                    + maxConcurrentRequests);
        }
        if (minRequestRate < 0 || minResponseRate < 0) {
            throw new IllegalArgumentException("minimum data rates must be >= 0 bytes/s (0 = off)");
        }
        if (rateGrace.isNegative() || rateGrace.isZero()) {
            throw new IllegalArgumentException("--rate-grace must be positive");
        }
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("--header-timeout must be positive");
        }
        if (maxRequestBody < 0) {
            throw new IllegalArgumentException("--max-request-body must be >= 0 (0 = no limit), was " + maxRequestBody);
        }
        if (writeBehindLimit < 0 || writeBehindLimit > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--write-behind-limit must be between 0 and " + Integer.MAX_VALUE
                    + " bytes, was " + writeBehindLimit);
        }
    }

    /** @return the defaults */
    public static LimitsConfig defaults() {
        return new LimitsConfig(ThreadMode.AUTO, 200, AUTO, DEFAULT_MIN_RATE, DEFAULT_MIN_RATE, Duration.ofSeconds(10),
                DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_REQUEST_BODY, DEFAULT_WRITE_BEHIND_LIMIT,
                true);
    }

    /** @return the bulkhead cap extensions get unless they set their own: 0 = none */
    public int effectiveMaxConcurrentRequests() {
        return maxConcurrentRequests == AUTO ? Math.max(1, maxThreads / 2) : maxConcurrentRequests;
    }

    /** @param v thread mode @return a copy with it */
    public LimitsConfig withThreadMode(ThreadMode v) {
        return new LimitsConfig(v, maxThreads, maxConcurrentRequests, minRequestRate, minResponseRate, rateGrace,
                headerTimeout, maxRequestBody, writeBehindLimit, inlineNonBlocking);
    }

    /** @param v the bulkhead cap (0 = none, {@link #AUTO}) @return a copy with it */
    public LimitsConfig withMaxConcurrentRequests(int v) {
        return new LimitsConfig(threadMode, maxThreads, v, minRequestRate, minResponseRate, rateGrace, headerTimeout,
                maxRequestBody, writeBehindLimit, inlineNonBlocking);
    }

    /** @param request request rate @param response response rate @param grace slack @return a copy with them */
    public LimitsConfig withRates(long request, long response, Duration grace) {
        return new LimitsConfig(threadMode, maxThreads, maxConcurrentRequests, request, response, grace, headerTimeout,
                maxRequestBody, writeBehindLimit, inlineNonBlocking);
    }

    /** @param v the request-head timeout @return a copy with it */
    public LimitsConfig withHeaderTimeout(Duration v) {
        return new LimitsConfig(threadMode, maxThreads, maxConcurrentRequests, minRequestRate, minResponseRate,
                rateGrace, v, maxRequestBody, writeBehindLimit, inlineNonBlocking);
    }

    /** @param v the request-body limit (0 = none) @return a copy with it */
    public LimitsConfig withMaxRequestBody(long v) {
        return new LimitsConfig(threadMode, maxThreads, maxConcurrentRequests, minRequestRate, minResponseRate,
                rateGrace, headerTimeout, v, writeBehindLimit, inlineNonBlocking);
    }

    /** @param v the thread pool size @return a copy with it */
    public LimitsConfig withMaxThreads(int v) {
        return new LimitsConfig(threadMode, v, maxConcurrentRequests, minRequestRate, minResponseRate, rateGrace,
                headerTimeout, maxRequestBody, writeBehindLimit, inlineNonBlocking);
    }

    /** @param v the write-behind limit in bytes @return a copy with it */
    public LimitsConfig withWriteBehindLimit(long v) {
        return new LimitsConfig(threadMode, maxThreads, maxConcurrentRequests, minRequestRate, minResponseRate,
                rateGrace, headerTimeout, maxRequestBody, v, inlineNonBlocking);
    }

    /** @param v whether nonBlocking extensions run on the network thread @return a copy with it */
    public LimitsConfig withInlineNonBlocking(boolean v) {
        return new LimitsConfig(threadMode, maxThreads, maxConcurrentRequests, minRequestRate, minResponseRate,
                rateGrace, headerTimeout, maxRequestBody, writeBehindLimit, v);
    }
}
