package dev.hse4j.server.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.OpsConfig;
import dev.hse4j.server.config.ProxyConfig;
import dev.hse4j.server.testing.HeadlessChromium;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: the status page (the repository's webroot, in headless Chromium) shows the PROXY listener's
 * policy and counters, and they move with real connections: an untrusted peer, a forged header whose CRC
 * does not match, and a v1 header that is accepted. The public port requires PROXY headers, so the page is
 * read on the admin port.
 */
@SuppressWarnings("try")
class ProxyStatusPageBrowserTest {

    @TempDir
    Path tmp;

    private static int send(String from, int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.setSoTimeout(10_000);
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                s.getOutputStream().write(bytes);
                return s.getInputStream().read();
            } catch (IOException reset) {
                return -1;
            }
        }
    }

    private static String cell(HeadlessChromium b, String selector) {
        return b.eval("(document.querySelector(\"" + selector + "\") || {textContent: ''}).textContent").asText();
    }

    @Test
    void theStatusPageShowsThePolicyAndTheCounters() throws Exception {
        try (TestServer ts = TestServer.builder(tmp).config(b -> b
                        .proxy(ProxyConfig.of(Set.of(ProxyConfig.Listener.HTTP), List.of("127.0.0.1")))
                        .ops(OpsConfig.defaults().withAdminPort(0))).start();
             HeadlessChromium browser = HeadlessChromium.open(
                     "http://127.0.0.1:" + ts.server().ops().adminPort() + "/status.html", 1280, 1400)) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> browser.text().contains("live · updated"));
            String text = browser.text();
            assertTrue(text.contains("PROXY protocol: required on http"), text);
            assertTrue(text.contains("trusted proxies 127.0.0.1"), text);
            assertTrue(text.contains("No connection has been refused."), text);

            InetSocketAddress src = new InetSocketAddress(InetAddress.getByName("192.0.2.9"), 1000);
            InetSocketAddress dst = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 80);
            byte[] hello = "GET /nothing HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            assertEquals(-1, send("127.0.0.2", ts.port(), hello), "an untrusted peer is reset");
            byte[] badCrc = ProxyV2.proxy().tcp(src, dst).crc32c().build();
            badCrc[16] ^= 1;
            assertEquals(-1, send("127.0.0.1", ts.port(), badCrc), "a forged header is refused");
            byte[] v1 = ProxyV2.v1(src, dst);
            byte[] both = new byte[v1.length + hello.length];
            System.arraycopy(v1, 0, both, 0, v1.length);
            System.arraycopy(hello, 0, both, v1.length, hello.length);
            assertEquals('H', send("127.0.0.1", ts.port(), both), "a v1 header from the trusted proxy is served");

            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
                    cell(browser, "#proxyRejections tr[data-reason=untrusted] td.num").equals("1")
                            && cell(browser, "#proxyRejections tr[data-reason=bad_crc] td.num").equals("1")
                            && cell(browser, "#proxyCards [data-counter='v1 headers'] b").equals("1"));
            assertEquals("2", cell(browser, "#proxyCards [data-counter=refused] b"));
            assertEquals("0", cell(browser, "#proxyCards [data-counter='v2 headers'] b"));
            assertTrue(cell(browser, "#proxyRejections tr[data-reason=bad_crc]").startsWith("bad crc"),
                    cell(browser, "#proxyRejections"));
            browser.screenshot(Path.of("target", "screenshots", "status-proxy.png"));
        }
    }
}
