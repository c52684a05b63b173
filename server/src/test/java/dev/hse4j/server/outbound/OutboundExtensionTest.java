package dev.hse4j.server.outbound;

import dev.hse4j.fixtures.OutboundHolderExtension;
import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outbound connections as a deployed extension uses them: from a thread of its own through the context
 * handed at load, and through the ECB (whose completions carry that ECB); shown on the status page; and
 * closed by the server when that extension version is unloaded, though the extension never closes them.
 */
class OutboundExtensionTest {

    @Test
    void connectionsOpenedOutsideARequestAreTrackedAndClosedAtUnload(@TempDir Path dir) throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String target = "127.0.0.1:" + peer.getLocalPort();
            Path jar = FixtureJars.jarOf(dir.resolve("holder.jar"), OutboundHolderExtension.class);
            try (TestServer s = TestServer.builder(Files.createDirectories(dir.resolve("hse"))).jar(jar)
                    .config(b -> b.drainTimeout(Duration.ofSeconds(5)).outbound(OutboundConfig.defaults()
                            .withAllowFor("holder", target).withSetting("holder", "target", target))).start()) {
                List<Socket> held = new ArrayList<>();
                try {
                    List<String> firstLines = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        Socket a = peer.accept();
                        held.add(a);
                        firstLines.add(new BufferedReader(new InputStreamReader(a.getInputStream())).readLine());
                    }
                    assertTrue(firstLines.containsAll(List.of("held 0", "held 1", "held 2")), firstLines.toString());
                    s.given().get("/hse/health").then().statusCode(200); // RestAssured's first use is slow: not in the wait
                    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                            assertEquals("connected=3 errors=[]\n", s.given().get("/ext/holder").asString()));
                    JsonNode st = new ObjectMapper().readTree(s.given().get("/hse/status.json").asString());
                    assertEquals("holder", st.at("/outbound/extensions/0/name").asText());
                    assertEquals(3, st.at("/outbound/extensions/0/open").asInt());
                    assertEquals("[\"" + target + "\"]", st.at("/outbound/extensions/0/allow").toString());
                    assertEquals("[]", st.at("/outbound/allow").toString(), "nothing allowed server-wide");

                    // Through the ECB: the completion carries it, and the caller's context.
                    Thread accept = new Thread(() -> {
                        try (Socket x = peer.accept()) {
                            x.getInputStream().readAllBytes();
                        } catch (Exception ignored) {
                            // the test fails on the answer below
                        }
                    });
                    accept.start();
                    assertEquals("success=true ecbSame=true context=ctx\n", s.given().get("/ext/holder/ecb").asString());
                    accept.join(10_000);

                    Files.delete(s.extensionsDir().resolve("holder.jar")); // unload: the server closes all three
                    for (Socket a : held) {
                        a.setSoTimeout(20_000);
                        assertEquals(-1, a.getInputStream().read(), "the peer sees the connection end");
                    }
                    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.server().outbound().openCount() == 0);
                } finally {
                    for (Socket a : held) {
                        a.close();
                    }
                }
            }
        }
    }
}
