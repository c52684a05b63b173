package dev.hse4j.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.samples.echo.EchoExtension;

import org.junit.jupiter.api.Test;

/** {@link EchoSampleTest} again, over a loopback socket: one client API for both transports. */
@Hse4jTest(value = EchoExtension.class, socket = true)
class EchoSampleSocketTest extends EchoSampleTest {

    @Test
    void servesOnARealPort(Hse4jTestHost host) {
        assertTrue(host.isSocket());
        assertTrue(host.baseUri().getPort() > 0);
    }
}
