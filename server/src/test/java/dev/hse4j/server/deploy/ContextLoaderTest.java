package dev.hse4j.server.deploy;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.hse4j.fixtures.ContextLoaderExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A procedure runs with its extension's class loader as the thread's context class loader (libraries that
 * load through it, such as {@code ServiceLoader}, find the extension's classes), on the network thread and on
 * a worker alike; afterwards no server thread keeps that loader (it would pin an unloaded version's classes).
 */
class ContextLoaderTest {

    @TempDir
    Path tmp;

    @Test
    void theProcedureSeesItsOwnLoaderAndTheThreadGetsItsOwnBack() throws Exception {
        try (TestServer s = TestServer.builder(tmp)
                .jar(FixtureJars.jarOf(tmp.resolve("ccl.jar"), ContextLoaderExtension.class))
                .start()) {
            for (int i = 0; i < 5; i++) {
                s.given().get("/ext/ccl").then().statusCode(200).body(equalTo("mine"));
                // 10 bytes against a read-ahead of 4: the procedure runs on a worker.
                s.given().body("0123456789").post("/ext/ccl").then().statusCode(200).body(equalTo("mine"));
            }
            Deployment d = s.server().registry().acquire("ccl");
            d.release();
            ClassLoader loader = d.classLoader();
            assertNotSame(ClassLoader.getSystemClassLoader(), loader, "the jar has a loader of its own");
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                assertNotSame(loader, t.getContextClassLoader(), t.getName() + " kept the extension's loader");
            }
        }
    }
}
