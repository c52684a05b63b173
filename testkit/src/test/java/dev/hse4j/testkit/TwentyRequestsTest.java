package dev.hse4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hse4j.samples.hello.HelloExtension;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;

/**
 * A test class of 20 requests, as the test kit's speed goal states it ("20 requests well under a second
 * after the first"). It asserts no timing (timed unit tests are not how hse4j measures); it prints the
 * time from the end of the first request to the end of the twentieth, which bench/README.md records.
 */
@Hse4jTest(HelloExtension.class)
class TwentyRequestsTest {

    static long firstDone;
    static long lastDone;

    @RepeatedTest(20)
    void hello(Hse4jClient client) {
        assertEquals(200, client.get("/ext/hello").status());
        long now = System.nanoTime();
        if (firstDone == 0) {
            firstDone = now;
        }
        lastDone = now;
    }

    @AfterAll
    static void report() {
        System.out.printf("testkit: requests 2..20 (19 test methods) took %.1f ms after the first%n",
                (lastDone - firstDone) / 1e6);
    }
}
