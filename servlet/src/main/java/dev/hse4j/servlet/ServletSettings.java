package dev.hse4j.servlet;

import dev.hse4j.server.config.LimitsConfig;
import dev.hse4j.server.config.ServerConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * What {@link HseServlet} is configured with, from its init parameters (else the context's parameters of the same
 * name, else system properties, else environment variables such as {@code HSE4J_EXTENSIONS}; values may name system
 * properties as {@code ${catalina.base}}). Only {@value #EXTENSIONS} is required; the others default to what
 * hse4j's own server runs with.
 *
 * @param extensionsDir {@value #EXTENSIONS}: the directory extension jars are loaded from
 * @param workDir {@value #WORK_DIR}: where the shadow copies go (default: the context's temporary directory)
 * @param watch {@value #WATCH}: deploy, redeploy and undeploy jars while running (default true)
 * @param scanInterval {@value #SCAN_INTERVAL_MS}: how often the directory is looked at (default 500)
 * @param sessionTimeout {@value #SESSION_TIMEOUT_MS}: how long a PENDING session may wait (default 300000)
 * @param readTimeout {@value #READ_TIMEOUT_MS}: how long a synchronous readClient waits (default 60000)
 * @param readAheadBytes {@value #READ_AHEAD}: the preloaded body (default 49152, ISAPI's UploadReadAheadSize)
 * @param drainTimeout {@value #DRAIN_TIMEOUT_MS}: how long a replaced version may keep running (default 90000)
 * @param maxConcurrentRequests {@value #MAX_CONCURRENT}: the per-extension bulkhead (default 100, 0 = none)
 * @param maxRequestBody {@value #MAX_REQUEST_BODY}: the largest request body accepted (0 = no limit)
 */
public record ServletSettings(Path extensionsDir, Path workDir, boolean watch, Duration scanInterval,
                              Duration sessionTimeout, Duration readTimeout, int readAheadBytes,
                              Duration drainTimeout, int maxConcurrentRequests, long maxRequestBody) {

    /** Init parameter: the extensions directory (required). */
    public static final String EXTENSIONS = "hse4j.extensions";
    /** Init parameter: the work directory for shadow copies. */
    public static final String WORK_DIR = "hse4j.workDir";
    /** Init parameter: watch the extensions directory. */
    public static final String WATCH = "hse4j.watch";
    /** Init parameter: the directory scan interval, in milliseconds. */
    public static final String SCAN_INTERVAL_MS = "hse4j.scanIntervalMs";
    /** Init parameter: the session timeout, in milliseconds. */
    public static final String SESSION_TIMEOUT_MS = "hse4j.sessionTimeoutMs";
    /** Init parameter: the synchronous read timeout, in milliseconds. */
    public static final String READ_TIMEOUT_MS = "hse4j.readTimeoutMs";
    /** Init parameter: the read-ahead size, in bytes. */
    public static final String READ_AHEAD = "hse4j.readAheadBytes";
    /** Init parameter: the drain timeout of a replaced or removed version, in milliseconds. */
    public static final String DRAIN_TIMEOUT_MS = "hse4j.drainTimeoutMs";
    /** Init parameter: the per-extension bulkhead. */
    public static final String MAX_CONCURRENT = "hse4j.maxConcurrentRequests";
    /** Init parameter: the request-body limit, in bytes. */
    public static final String MAX_REQUEST_BODY = "hse4j.maxRequestBody";

    /** Default bulkhead: what hse4j's own server gives with its default 200 threads. */
    static final int DEFAULT_MAX_CONCURRENT = LimitsConfig.defaults().effectiveMaxConcurrentRequests();

    public ServletSettings {
        Objects.requireNonNull(extensionsDir, "extensionsDir");
        Objects.requireNonNull(workDir, "workDir");
        if (!positive(scanInterval) || !positive(sessionTimeout) || !positive(readTimeout)) {
            throw new IllegalArgumentException("intervals and timeouts must be positive");
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException(DRAIN_TIMEOUT_MS + " must be >= 0");
        }
        if (readAheadBytes < 0 || maxConcurrentRequests < 0 || maxRequestBody < 0) {
            throw new IllegalArgumentException("sizes and counts must be >= 0");
        }
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    /**
     * @param param an init parameter's value by name, or {@code null} if not set
     * @param defaultWorkDir the work directory when {@value #WORK_DIR} is not set
     * @return the settings
     * @throws IllegalArgumentException naming the parameter that is missing or wrong
     */
    public static ServletSettings from(Function<String, String> param, Path defaultWorkDir) {
        String ext = trimmed(param.apply(EXTENSIONS));
        if (ext == null) {
            throw new IllegalArgumentException("the init parameter " + EXTENSIONS
                    + " (the directory of extension jars) is not set");
        }
        String work = trimmed(param.apply(WORK_DIR));
        Path workDir = work != null ? Path.of(work) : defaultWorkDir;
        if (workDir == null) {
            throw new IllegalArgumentException("the init parameter " + WORK_DIR + " is not set and the container "
                    + "gives no temporary directory");
        }
        String watch = trimmed(param.apply(WATCH));
        if (watch != null && !watch.equalsIgnoreCase("true") && !watch.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(WATCH + " must be true or false, was '" + watch + "'");
        }
        return new ServletSettings(Path.of(ext), workDir, watch == null || Boolean.parseBoolean(watch),
                millis(param, SCAN_INTERVAL_MS, ServerConfig.DEFAULT_SCAN_INTERVAL),
                millis(param, SESSION_TIMEOUT_MS, Duration.ofMinutes(5)),
                millis(param, READ_TIMEOUT_MS, Duration.ofSeconds(60)),
                (int) number(param, READ_AHEAD, ServerConfig.DEFAULT_READ_AHEAD, 64L * 1024 * 1024),
                millis(param, DRAIN_TIMEOUT_MS, ServerConfig.DEFAULT_DRAIN_TIMEOUT),
                (int) number(param, MAX_CONCURRENT, DEFAULT_MAX_CONCURRENT, 1_000_000),
                number(param, MAX_REQUEST_BODY, LimitsConfig.defaults().maxRequestBody(), Long.MAX_VALUE));
    }

    private static Duration millis(Function<String, String> param, String name, Duration dflt) {
        return Duration.ofMillis(number(param, name, dflt.toMillis(), Long.MAX_VALUE));
    }

    private static long number(Function<String, String> param, String name, long dflt, long max) {
        String v = trimmed(param.apply(name));
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'");
        }
        if (n < 0 || n > max) {
            throw new IllegalArgumentException(name + " must be between 0 and " + max + ", was " + n);
        }
        return n;
    }

    /**
     * @param value a parameter's value
     * @return it with each {@code ${name}} replaced by the system property {@code name}
     * @throws IllegalArgumentException naming a property that is not set
     */
    static String expand(String value) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int start = value.indexOf("${", i);
            if (start < 0) {
                return out.append(value, i, value.length()).toString();
            }
            int end = value.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("'" + value + "' has a ${ without its }");
            }
            String name = value.substring(start + 2, end);
            String v = System.getProperty(name);
            if (v == null) {
                throw new IllegalArgumentException("'" + value + "' names the system property " + name
                        + ", which is not set");
            }
            out.append(value, i, start).append(v);
            i = end + 1;
        }
    }

    private static String trimmed(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        return t.isEmpty() ? null : t;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "extensions %s, work %s, watch %s", extensionsDir, workDir, watch);
    }
}
