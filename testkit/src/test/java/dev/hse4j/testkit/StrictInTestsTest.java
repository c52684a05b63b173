package dev.hse4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.IsapiException;
import dev.hse4j.server.strict.Check;
import dev.hse4j.server.strict.StrictReports;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code @Hse4jTest(strict = true)}: an extension's test sees the mistakes strict mode catches. */
@Hse4jTest(value = StrictInTestsTest.LateExtension.class, strict = true)
class StrictInTestsTest {

    /** Ends the request from its completion, then writes once more: a call after the end. */
    public static final class LateExtension implements HttpExtension {
        @Override
        public ExtensionVersion getExtensionVersion() {
            return ExtensionVersion.of("writes after the end");
        }

        @Override
        public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
            ecb.ioCompletion(LateExtension::done, null);
            ecb.sendResponseHeader("200 OK", "Content-Length: 2\r\n", true);
            ecb.writeClientAsync(java.nio.ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)));
            return HseStatus.PENDING;
        }

        private static void done(Completion c) {
            try {
                c.ecb().doneWithSession(HseStatus.SUCCESS);
                c.ecb().doneWithSession(HseStatus.SUCCESS); // the mistake: twice
            } catch (IsapiException expected) {
                // 4317
            }
        }
    }

    @Test
    void aSecondDoneWithSessionIsReportedWithItsStack(Hse4jClient client, Hse4jTestHost host) {
        assertEquals("ok", client.get("/ext/late").text());
        host.await(() -> !host.strictReports().isEmpty(), "a strict report");
        List<StrictReports.Report> reports = host.strictReports();
        StrictReports.Report r = reports.get(0);
        assertEquals("late", r.extension());
        assertEquals(Check.CALL_AFTER_END, r.check());
        assertTrue(r.stack().contains("StrictInTestsTest$LateExtension.done"), r.stack());
    }
}
