package dev.hse4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.samples.clock.ClockExtension;
import dev.hse4j.samples.stream.StreamExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the test kit offers beyond request and response: holding a PENDING request, leaving in the
 * middle of a response, the session's end status, log data and error counts, configuration, and an
 * extension defined in the test itself.
 */
class ClientAndHostTest {

    /** An extension written in the test: log data, a chosen status, ERROR on request, PENDING held by a latch. */
    @ExtensionSettings(name = "probe")
    public static final class ProbeExtension implements HttpExtension {
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @Override
        public ExtensionVersion getExtensionVersion() {
            return ExtensionVersion.of("test kit probe");
        }

        @Override
        public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
            ecb.setLogData("probe:" + ecb.queryString());
            switch (ecb.queryString()) {
                case "fail":
                    return HseStatus.ERROR;
                case "throw":
                    throw new IllegalStateException("thrown on purpose");
                case "never":
                    return HseStatus.PENDING; // and never doneWithSession: the session timeout ends it
                case "held":
                    Thread t = new Thread(() -> {
                        try {
                            RELEASE.await();
                            ecb.writeClient("released".getBytes(StandardCharsets.US_ASCII));
                            ecb.doneWithSession(HseStatus.SUCCESS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    t.start();
                    return HseStatus.PENDING;
                default:
                    ecb.appendLogParameter("&ok");
                    ecb.sendResponseHeader("201 Created", "Content-Length: 2\r\n");
                    ecb.writeClient("ok".getBytes(StandardCharsets.US_ASCII));
                    return HseStatus.SUCCESS;
            }
        }
    }

    @RegisterExtension
    static Hse4jTestHost host = Hse4jTestHost.builder()
            .extension(ClockExtension.class)
            .extension(StreamExtension.class)
            .extension(new ProbeExtension())
            .config(c -> c.sessionTimeout(Duration.ofSeconds(2)))
            .build();

    @Test
    void logDataStatusAndOutcomeOfEachSession() {
        Hse4jClient client = host.client();
        assertEquals(201, client.get("/ext/probe?hi").status());
        SessionRecord ok = host.awaitSession("/ext/probe?hi");
        assertEquals("OK", ok.outcome());
        assertEquals("probe:hi&ok", ok.logData());
        assertEquals(201, ok.status());

        long errors = host.counters("probe").errors();
        assertEquals(500, client.get("/ext/probe?fail").status());
        assertEquals(500, client.get("/ext/probe?throw").status());
        assertEquals("ERROR", host.awaitSession("/ext/probe?fail").outcome());
        SessionRecord thrown = host.awaitSession("/ext/probe?throw");
        assertEquals("ERROR", thrown.outcome());
        assertEquals("probe:throw", thrown.logData());
        assertEquals(errors + 2, host.counters("probe").errors());
    }

    @Test
    void holdAPendingRequestThenLetItGo() {
        try (Exchange x = host.client().request("GET", "/ext/probe?held").start()) {
            host.awaitPending("probe", 1);
            assertEquals(1, host.counters("probe").inFlight());
            ProbeExtension.RELEASE.countDown();
            TestResponse r = x.response();
            assertEquals(200, r.status());
            assertEquals("released", r.text());
        }
        SessionRecord s = host.awaitSession("/ext/probe?held");
        assertTrue(s.pending());
        assertEquals("OK", s.outcome());
        host.awaitPending("probe", 0);
    }

    @Test
    void aPendingSessionNeverDoneEndsAtTheSessionTimeout() {
        long timeouts = host.counters("probe").timeouts();
        try (Exchange x = host.client().request("GET", "/ext/probe?never").start()) {
            host.awaitPending("probe", 1);
            SessionRecord s = host.awaitSession("/ext/probe?never");
            assertEquals("TIMEOUT", s.outcome());
            assertTrue(s.pending());
            assertEquals(500, x.response().status(), "nothing was sent: the client gets an error status");
        }
        assertEquals(timeouts + 1, host.counters("probe").timeouts());
    }

    @Test
    void clockHeldPendingAnswersLater() {
        try (Exchange x = host.client().request("GET", "/ext/clock?ms=300").start()) {
            host.awaitPending("clock", 1);
            TestResponse r = x.response();
            assertEquals(200, r.status());
            assertTrue(r.text().startsWith("tick "), r.text());
        }
        SessionRecord clock = host.awaitSession("/ext/clock?ms=300");
        assertEquals("OK", clock.outcome(), clock.toString());
    }

    @Test
    void abortInTheMiddleOfAResponse() {
        String path = "/ext/stream?bytes=" + (64L << 20) + "&chunk=65536";
        long errors = host.counters("stream").errors();
        try (Exchange x = host.client().request("GET", path).start()) {
            assertEquals(200, x.readHead().status());
            byte[] first = x.readBodyBytes(100_000);
            assertEquals(100_000, first.length);
            for (int i = 0; i < first.length; i++) {
                assertEquals((byte) (i % 251), first[i], "byte " + i);
            }
            x.abort();
        }
        // The client went away mid-response: the pending write completes with 995 and the session ends
        // in error on the server, long before the 64 MiB could have been sent.
        SessionRecord s = host.awaitSession(path);
        assertEquals("ERROR", s.outcome());
        assertEquals(errors + 1, host.counters("stream").errors());
    }

    @Test
    void bodyInPiecesWithContentLength() {
        // Any extension reading nothing still sees the request framed right: the next request on the
        // connection works.
        Hse4jClient client = host.client();
        TestResponse r = client.request("POST", "/ext/probe?hi").part("ab".getBytes(StandardCharsets.US_ASCII))
                .part("cd".getBytes(StandardCharsets.US_ASCII)).send();
        assertEquals(201, r.status());
        assertEquals(201, client.get("/ext/probe?hi").status());
        assertFalse(host.isSocket());
    }

    @Test
    void statusDocumentIsTheServers() {
        assertTrue(host.status().get("extensions").toString().contains("\"probe\""));
        assertEquals("classpath", host.server().registry().serving("probe").jar().getParent().toString());
    }

    @Test
    void aSecondClientHasItsOwnConnection() {
        try (Hse4jClient other = host.newClient()) {
            assertEquals(201, other.get("/ext/probe?hi").status());
        }
        assertEquals(201, host.client().get("/ext/probe?hi").status());
    }
}
