package dev.hse4j.server.deploy;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.ContextLoaderExtension;
import dev.hse4j.fixtures.ContextLoaderWorkerExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
                .jar(FixtureJars.jarOf(tmp.resolve("cclworker.jar"), ContextLoaderWorkerExtension.class))
                .start()) {
            for (int i = 0; i < 5; i++) {
                s.given().get("/ext/ccl").then().statusCode(200).body(equalTo("mine"));
                s.given().get("/ext/cclworker").then().statusCode(200).body(equalTo("mine"));
            }
            List<ClassLoader> loaders = new ArrayList<>();
            for (String name : List.of("ccl", "cclworker")) {
                Deployment d = s.server().registry().acquire(name);
                d.release();
                assertNotSame(ClassLoader.getSystemClassLoader(), d.classLoader(), "each jar has a loader of its own");
                loaders.add(d.classLoader());
            }
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                ClassLoader l = t.getContextClassLoader();
                assertTrue(!loaders.contains(l), t.getName() + " kept an extension's loader as its context loader");
            }
        }
    }
}
