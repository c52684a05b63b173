package dev.hse4j.server.outbound;

import io.netty.util.ResourceLeakDetector;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Netty's leak detector is off for outbound connections unless the operator asks for it: at its default it
 * fills a stack trace for one buffer in 128 (~1 % of a proxied hello's CPU), and the property still turns it on
 * (for a debugging run, or a test run that wants it).
 */
class OutboundLeakDetectionTest {

    @Test
    void theTransportTurnsLeakDetectionOffUnlessAPropertyChoseALevel() {
        boolean chosen = false;
        for (String p : Transport.LEAK_PROPERTIES) {
            chosen |= System.getProperty(p) != null;
        }
        assumeTrue(!chosen, "this run chose a leak detection level with -Dio.netty.leakDetection.level");
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE); // Netty's default
        try (Transport t = new Transport(1, false)) {
            assertEquals(ResourceLeakDetector.Level.DISABLED, ResourceLeakDetector.getLevel());
        } finally {
            ResourceLeakDetector.setLevel(before);
        }
    }

    @Test
    void aLevelTheOperatorChoseIsKept() {
        String p = Transport.LEAK_PROPERTIES[0];
        String old = System.getProperty(p);
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        System.setProperty(p, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID); // as Netty read it at start
        try (Transport t = new Transport(1, false)) {
            assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
        } finally {
            if (old == null) {
                System.clearProperty(p);
            } else {
                System.setProperty(p, old);
            }
            ResourceLeakDetector.setLevel(before);
        }
    }
}
