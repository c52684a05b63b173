package dev.hse4j.server.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.testing.TestServer;

import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in policies over real sockets from two source addresses (127.0.0.2 and 127.0.0.3): each at its
 * limit (served) and one past it (reset, or for the global cap, held in the backlog until a slot frees).
 */
class AdmissionPoliciesTest {

    @TempDir
    Path tmp;

    private TestServer start(AdmissionConfig a) throws Exception {
        return TestServer.builder(tmp).config(b -> b.admission(a)).start();
    }

    private static List<Peer> open(String from, int port, int n) throws Exception {
        List<Peer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Peer p = Peer.connect(from, port);
            p.assertServed();
            out.add(p);
        }
        return out;
    }

    private static void closeAll(List<Peer> peers) throws Exception {
        for (Peer p : peers) {
            p.close();
        }
    }

    @Test
    void maxConnectionsPerIpServesTheLimitAndResetsOneMorePerAddress() throws Exception {
        try (TestServer s = start(AdmissionConfig.none().withMaxConnectionsPerIp(3))) {
            List<Peer> two = open("127.0.0.2", s.port(), 3);
            List<Peer> three = open("127.0.0.3", s.port(), 3); // the other address has its own 3
            try (Peer fourth = Peer.connect("127.0.0.2", s.port())) {
                fourth.assertReset();
            }
            try (Peer fourth = Peer.connect("127.0.0.3", s.port())) {
                fourth.assertReset();
            }
            assertEquals(2, s.server().admission().stats().byReason("refuse:max-connections-per-ip"));
            two.remove(0).close();
            // The slot is given back when the server sees the close.
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    s.server().admission().openFrom(java.net.InetAddress.getByName("127.0.0.2")) == 2);
            try (Peer again = Peer.connect("127.0.0.2", s.port())) {
                again.assertServed();
            }
            closeAll(two);
            closeAll(three);
        }
    }

    @Test
    void acceptRatePerIpServesTheBurstAndResetsOneMore() throws Exception {
        // 2 per second: the third connection within the same half second finds the bucket empty.
        try (TestServer s = start(AdmissionConfig.none().withAcceptRatePerIp(2))) {
            List<Peer> two = open("127.0.0.2", s.port(), 2);
            try (Peer third = Peer.connect("127.0.0.2", s.port())) {
                third.assertReset();
            }
            List<Peer> three = open("127.0.0.3", s.port(), 2);
            try (Peer third = Peer.connect("127.0.0.3", s.port())) {
                third.assertReset();
            }
            assertEquals(2, s.server().admission().stats().byReason("refuse:accept-rate-per-ip"));
            // The bucket refills: a new connection from .2 is served again within a second or so.
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
                try (Peer later = Peer.connect("127.0.0.2", s.port())) {
                    later.assertServed();
                }
            });
            closeAll(two);
            closeAll(three);
        }
    }

    @Test
    void maxConnectionsHoldsOneMoreInTheBacklogUntilOneCloses() throws Exception {
        try (TestServer s = start(AdmissionConfig.none().withMaxConnections(4))) {
            List<Peer> two = open("127.0.0.2", s.port(), 2);
            List<Peer> three = open("127.0.0.3", s.port(), 2);
            try (Peer fifth = Peer.connect("127.0.0.2", s.port())) { // the kernel completes the handshake
                fifth.send("GET /hse/health HTTP/1.1\r\nHost: t\r\n\r\n");
                fifth.soTimeout(700);
                assertThrows(SocketTimeoutException.class, fifth::read, "not accepted while at the cap");
                three.remove(0).close();
                fifth.soTimeout(10_000);
                assertEquals(200, fifth.read().status(), "accepted once a connection closed");
            }
            closeAll(two);
            closeAll(three);
        }
    }

    @Test
    void denyAndAllowListsOfCidrs() throws Exception {
        try (TestServer s = start(AdmissionConfig.none().withLists(List.of(), List.of("127.0.0.2/32")))) {
            try (Peer denied = Peer.connect("127.0.0.2", s.port()); Peer other = Peer.connect("127.0.0.3", s.port())) {
                denied.assertReset();
                other.assertServed();
            }
            assertEquals(1, s.server().admission().stats().byReason("refuse:deny"));
        }
        try (TestServer s = start(AdmissionConfig.none().withLists(List.of("127.0.0.0/31", "127.0.0.3"),
                List.of("127.0.0.0/32")))) {
            try (Peer in = Peer.connect("127.0.0.1", s.port());
                 Peer listed = Peer.connect("127.0.0.3", s.port());
                 Peer out = Peer.connect("127.0.0.2", s.port())) {
                in.assertServed();
                listed.assertServed();
                out.assertReset();
            }
            assertEquals(1, s.server().admission().stats().byReason("refuse:not-allowed"));
        }
    }
}
