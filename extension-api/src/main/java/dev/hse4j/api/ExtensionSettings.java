package dev.hse4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Optional per-extension settings, read from the extension class when it is deployed (and again at each
 * redeploy). Every element has a default meaning "use the server's setting". The extension's version and
 * description come from {@link HttpExtension#getExtensionVersion()}; the status page also shows the jar
 * manifest's {@code Implementation-Version}, if any, and the jar's SHA-256.
 *
 * <pre>{@code
 * @ExtensionSettings(name = "orders", readAheadBytes = 0, sessionTimeoutMillis = 120_000)
 * public final class OrdersExtension implements HttpExtension { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ExtensionSettings {

    /**
     * The mount name: requests to {@code /ext/<name>} and {@code /ext/<name>/<path-info>} go to this
     * extension. Letters, digits, {@code - _ .}; empty means the jar's file name without {@code .jar}.
     *
     * @return the mount name, or empty for the default
     */
    String name() default "";

    /**
     * How many body bytes the server reads before calling {@code httpExtensionProc} (ISAPI's
     * UploadReadAheadSize); {@code -1} means the server's setting (48 KB unless configured). Allowed: -1, or
     * 0 to 64 MiB; anything else fails the deployment with a reason.
     *
     * @return the read-ahead size in bytes, or -1
     */
    int readAheadBytes() default -1;

    /**
     * How long a {@link HseStatus#PENDING} request may stay open without
     * {@link ExtensionControlBlock#doneWithSession(HseStatus)} before the server aborts it;
     * {@code -1} means the server's setting. Allowed: -1 or a positive number; anything else fails the
     * deployment with a reason.
     *
     * @return the session timeout in milliseconds, or -1
     */
    long sessionTimeoutMillis() default -1;

    /**
     * Strict mode for this extension, even when the server runs without {@code --strict}: checks that cost a
     * little and explain a lot (a buffer changed before its asynchronous call completed, PENDING without
     * doneWithSession, slow or blocking completions, threads left running after terminateExtension, calls
     * on an ECB after its session ended), each reported once with the stack of the offending call, on the
     * log and the status page. Meant for development and tests.
     *
     * @return {@code true} to run this extension strict
     */
    boolean strict() default false;
}
