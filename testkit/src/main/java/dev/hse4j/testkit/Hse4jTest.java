package dev.hse4j.testkit;

import dev.hse4j.api.HttpExtension;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test class against a real hse4j host serving the given extensions, loaded from the test's
 * class path. One host per test class; test methods get an {@link Hse4jClient} and the
 * {@link Hse4jTestHost} as parameters.
 *
 * <pre>{@code
 * @Hse4jTest(GreetExtension.class)
 * class GreetExtensionTest {
 *     @Test
 *     void greets(Hse4jClient client) {
 *         TestResponse r = client.get("/ext/greet");
 *         assertEquals(200, r.status());
 *     }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(Hse4jTestHost.class)
public @interface Hse4jTest {

    /**
     * The extensions to deploy. Each is mounted as a jar would be: at {@code /ext/<name>} with the name
     * from its {@code @ExtensionSettings(name)}, else its simple class name in lower case without a
     * trailing {@code Extension} ({@code GreetExtension} → {@code /ext/greet}).
     *
     * @return the extension classes (public, with a public no-argument constructor)
     */
    Class<? extends HttpExtension>[] value();

    /** @return {@code true} to serve on an ephemeral loopback port instead of in memory */
    boolean socket() default false;

    /**
     * @return {@code true} to run the host with {@code --strict}: the classic ISAPI mistakes are reported
     *         ({@link Hse4jTestHost#strictReports()}); an extension can also ask with
     *         {@code @ExtensionSettings(strict = true)}
     */
    boolean strict() default false;

    /** @return the server's session timeout in milliseconds, or -1 for the server's default (5 minutes) */
    long sessionTimeoutMillis() default -1;

    /** @return the server's read-ahead in bytes, or -1 for the server's default (48 KB) */
    int readAheadBytes() default -1;
}
