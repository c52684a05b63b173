package dev.hse4j.server.outbound;

import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several upstream connections for one client connection: HTTP/2 streams side by side each need their own, and
 * all of them go back to the pool under the same key (the client connection's PROXY header) and are taken again
 * by the next streams of that connection. The upstream holds each {@code /gate} request until four are waiting
 * at once, so four links exist together; the second four streams must run on those same four connections.
 */
class ProxyHttp2LinksTest {

    @TempDir
    Path dir;

    @Test
    void concurrentStreamsOfOneClientConnectionKeepAndReuseSeveralLinks() throws Exception {
        try (RecordingUpstream upstream = new RecordingUpstream()) {
            String up = upstream.address();
            try (TestServer hse = TestServer.builder(dir).samples("proxy").config(b -> b
                    .tls(TlsConfig.builder().port(0).build())
                    .outbound(OutboundConfig.defaults().withAllowFor("proxy", up).withSetting("proxy", "upstream", up)))
                    .start()) {
                HttpClient client = HttpClient.newBuilder().sslContext(hse.trustingTls()).version(HttpClient.Version.HTTP_2)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                String base = "https://localhost:" + hse.server().httpsPort() + "/ext/proxy/gate";
                String warm = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + hse.server().httpsPort()
                        + "/ext/proxy/warm")).build(), HttpResponse.BodyHandlers.ofString()).body(); // one HTTP/2 connection
                List<String> first = batch(client, base, upstream);
                List<String> second = batch(client, base, upstream);

                Set<String> sources = new HashSet<>();
                Set<String> firstConns = new HashSet<>();
                for (String b : first) {
                    sources.add(b.substring(0, b.indexOf(' ')));
                    firstConns.add(conn(b));
                }
                assertEquals(1, sources.size(), "one client connection: " + first);
                assertTrue(sources.iterator().next().startsWith("src=127.0.0.1:"), first.toString());
                assertTrue(firstConns.size() >= 4, "four streams held at once need four upstream connections: " + first);
                Set<String> secondConns = new HashSet<>();
                for (String b : second) {
                    assertTrue(b.startsWith(sources.iterator().next() + " "), b);
                    secondConns.add(conn(b));
                }
                Set<String> all = new HashSet<>(firstConns);
                all.add(conn(warm));
                assertTrue(all.containsAll(secondConns),
                        "the second four streams reuse the pooled links: " + first + " then " + second);
                assertEquals(4, secondConns.size(), "four streams at once, four links: " + second);
            }
        }
    }

    /** Four streams at once to /gate: the upstream answers them only when all four are there. */
    private static List<String> batch(HttpClient client, String base, RecordingUpstream upstream) throws Exception {
        upstream.gate = new CountDownLatch(4);
        List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + i)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<String> bodies = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : replies) {
            HttpResponse<String> r = f.get(40, TimeUnit.SECONDS);
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(200, r.statusCode(), r.body());
            bodies.add(r.body());
        }
        return bodies;
    }

    private static String conn(String body) {
        return body.substring(body.indexOf("conn="), body.indexOf(" req="));
    }
}
