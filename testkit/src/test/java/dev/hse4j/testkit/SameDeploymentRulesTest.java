package dev.hse4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.samples.hello.HelloExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * An extension from the class path goes through the server's own deployment: the same settings checks,
 * getExtensionVersion refusals and name rules as a jar, and the same redeploy (the old instance is
 * terminated).
 */
@Hse4jTest(HelloExtension.class)
class SameDeploymentRulesTest {

    @ExtensionSettings(readAheadBytes = -5)
    public static final class BadSettingsExtension implements HttpExtension {
        @Override
        public ExtensionVersion getExtensionVersion() {
            return ExtensionVersion.of("bad settings");
        }

        @Override
        public HseStatus httpExtensionProc(ExtensionControlBlock ecb) {
            return HseStatus.SUCCESS;
        }
    }

    public static final class RefusingExtension implements HttpExtension {
        @Override
        public ExtensionVersion getExtensionVersion() {
            return ExtensionVersion.refuse("no database configured");
        }

        @Override
        public HseStatus httpExtensionProc(ExtensionControlBlock ecb) {
            return HseStatus.SUCCESS;
        }
    }

    @ExtensionSettings(name = "hello")
    public static final class SecondHelloExtension implements HttpExtension {
        @Override
        public ExtensionVersion getExtensionVersion() {
            return ExtensionVersion.of("a second /ext/hello");
        }

        @Override
        public HseStatus httpExtensionProc(ExtensionControlBlock ecb) {
            return HseStatus.SUCCESS;
        }
    }

    public static final class VersionedExtension implements HttpExtension {
        final String text;
        volatile boolean terminated;

        public VersionedExtension() {
            this("v1");
        }

        VersionedExtension(String text) {
            this.text = text;
        }

        @Override
        public ExtensionVersion getExtensionVersion() {
            return ExtensionVersion.of("versioned " + text);
        }

        @Override
        public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
            ecb.sendResponseHeader("200 OK", "Content-Length: " + text.length() + "\r\n", true);
            ecb.writeClient(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return HseStatus.SUCCESS;
        }

        @Override
        public boolean terminateExtension(dev.hse4j.api.TerminateMode mode) {
            terminated = true;
            return true;
        }
    }

    @Test
    void settingsOutOfRangeAreRefusedAsForAJar(Hse4jTestHost host) {
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class,
                () -> host.deploy(new BadSettingsExtension()));
        assertTrue(e.getMessage().contains("readAheadBytes = -5 is out of range"), e.getMessage());
    }

    @Test
    void aRefusingGetExtensionVersionIsReported(Hse4jTestHost host) {
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class,
                () -> host.deploy(new RefusingExtension()));
        assertTrue(e.getMessage().contains("no database configured"), e.getMessage());
    }

    @Test
    void aNameTakenByAnotherExtensionIsRefused(Hse4jTestHost host, Hse4jClient client) {
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class,
                () -> host.deploy(new SecondHelloExtension()));
        assertTrue(e.getMessage().contains("already served"), e.getMessage());
        assertEquals(200, client.get("/ext/hello").status(), "the first keeps serving");
    }

    @Test
    void redeployingTheSameClassReplacesAndTerminatesTheOldInstance(Hse4jTestHost host, Hse4jClient client) {
        VersionedExtension v1 = new VersionedExtension("v1");
        assertEquals("versioned", host.deploy(v1));
        assertEquals("v1", client.get("/ext/versioned").text());
        host.deploy(new VersionedExtension("v2"));
        assertEquals("v2", client.get("/ext/versioned").text());
        host.await(() -> v1.terminated, "the replaced instance's terminateExtension");
    }
}
