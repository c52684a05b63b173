package dev.hse4j.server.ssf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.TestServer;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Child requests over HTTP/2 on TLS: several parents with children on one connection, streams side by side. */
class ExecUrlHttp2Test {

    @TempDir
    Path tmp;

    @Test
    void childrenOverHttp2() throws Exception {
        try (TestServer server = SsfTesting.start(tmp, b -> b.tls(TlsConfig.builder().port(0).build()))) {
            SSLContext ctx = server.trustingTls();
            HttpClient client = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_2)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            String base = "https://localhost:" + server.server().httpsPort() + "/ext/ssf?op=exec&url=";
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String url = i % 2 == 0 ? "/file.txt" : "/ext/ssf?op=echo&n=" + i;
                replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base
                        + URLEncoder.encode(url, StandardCharsets.UTF_8) + "&flags=" + (i % 3 == 0 ? "2" : "0")))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = replies.get(i).get();
                assertEquals(HttpClient.Version.HTTP_2, r.version());
                assertEquals(200, r.statusCode());
                String child = i % 2 == 0 ? SsfTesting.FILE_TEXT
                        : "child method=GET query=op=echo&n=" + i + " x-test=- body= total=0";
                String expected = i % 3 == 0
                        ? "[before]" + child + "[after ok=true bytes=" + child.length() + " status=200.0 win32=0]"
                        : child;
                assertEquals(expected, r.body(), "request " + i);
            }
        }
    }
}
