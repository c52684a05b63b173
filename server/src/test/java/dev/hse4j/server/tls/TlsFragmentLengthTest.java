package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.TlsWriteExtension;
import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "At most 16 KB, or the smaller record size the client negotiated": a client (OpenSSL) that negotiates
 * 1,024-byte fragments (RFC 6066 max_fragment_length; no TLS library here implements RFC 8449
 * record_size_limit) gets records of at most 1 KB of plaintext from the JDK provider, which honours the
 * extension, for a single 100,000-byte extension write. BoringSSL (Conscrypt) does not acknowledge the
 * extension, so nothing smaller is negotiated and 16 KB records are correct there.
 */
class TlsFragmentLengthTest {

    @TempDir
    static Path tmp;

    @Test
    void aNegotiatedSmallerFragmentLengthIsHonoured() throws Exception {
        Path jar = FixtureJars.jarOf(tmp.resolve("jars/tlswrite.jar"), TlsWriteExtension.class);
        try (TestServer server = TestServer.builder(tmp).jar(jar)
                .config(TlsTesting.https(t -> t.provider(TlsConfig.Provider.JDK))).start();
             TlsRecordRelay relay = new TlsRecordRelay(server.server().httpsPort())) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                relay.reset();
                Process p = new ProcessBuilder("openssl", "s_client", "-quiet", "-connect", "127.0.0.1:" + relay.port(),
                        version, "-maxfraglen", "1024").start();
                p.getOutputStream().write(("GET /ext/tlswrite?mode=sync&bytes=100000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                p.getOutputStream().flush();
                byte[] out = p.getInputStream().readAllBytes(); // until the server closes
                p.getOutputStream().close();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                String text = new String(out, StandardCharsets.ISO_8859_1);
                assertTrue(text.startsWith("HTTP/1.1 200"), version + ": " + text.substring(0, Math.min(200, text.length())));
                int body = text.indexOf("\r\n\r\n") + 4;
                assertEquals(100_000, TlsRecordSizeTest.verifyPattern(new ByteArrayInputStream(out, body, out.length - body)));
                assertNull(relay.parseError());
                long app = 0;
                for (TlsRecordRelay.Rec r : relay.records()) {
                    if (r.type() == 23) {
                        app++;
                        assertTrue(r.length() <= 1024 + 256, version + ": a " + r.length() + "-byte record");
                    }
                }
                assertTrue(app >= 100_000 / 1024, version + ": " + app + " records");
            }
        }
    }
}
