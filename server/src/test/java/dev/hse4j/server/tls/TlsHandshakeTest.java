package dev.hse4j.server.tls;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.TestServer;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a TLS client sees, on both providers: HTTPS answers (RestAssured), TLS 1.3 and 1.2 handshakes with
 * AEAD suites only, TLS 1.1 / 1.0 and weak suites refused (with hand-made ClientHellos, since no modern
 * client still offers them), ALPN h2 with the JDK's HttpClient and with curl, and the HTTP port untouched.
 */
class TlsHandshakeTest {

    @TempDir
    static Path tmp;
    static final Map<TlsConfig.Provider, TestServer> SERVERS = new EnumMap<>(TlsConfig.Provider.class);

    @BeforeAll
    static void start() throws Exception {
        for (TlsConfig.Provider p : List.of(TlsConfig.Provider.CONSCRYPT, TlsConfig.Provider.JDK)) {
            SERVERS.put(p, TestServer.builder(tmp.resolve(p.name())).samples("hello", "vars")
                    .config(TlsTesting.https(t -> t.provider(p))).start());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestServer s : SERVERS.values()) {
            s.close();
        }
    }

    static TestServer server(TlsConfig.Provider p) {
        return SERVERS.get(p);
    }

    @ParameterizedTest
    @EnumSource(value = TlsConfig.Provider.class, names = {"CONSCRYPT", "JDK"})
    void httpsAnswersWithRestAssured(TlsConfig.Provider p) throws Exception {
        TestServer s = server(p);
        TlsTesting.given(s).get("/ext/hello").then().statusCode(200).body(containsString("Hello"));
        TlsTesting.given(s).get("/ext/vars?name=HTTPS").then().statusCode(200).body(equalTo("on"));
        TlsTesting.given(s).get("/ext/vars?name=SERVER_PORT_SECURE").then().statusCode(200).body(equalTo("1"));
        // The plain port is still there and says so.
        s.given().get("/ext/vars?name=HTTPS").then().statusCode(200).body(equalTo("off"));
        s.given().get("/ext/vars?name=SERVER_PORT_SECURE").then().statusCode(200).body(equalTo("0"));
        s.given().get("/ext/vars?name=SSL_PROTOCOL").then().statusCode(404).body(containsString("232"));
    }

    @ParameterizedTest
    @EnumSource(value = TlsConfig.Provider.class, names = {"CONSCRYPT", "JDK"})
    void tls13And12HandshakesWithAeadSuites(TlsConfig.Provider p) throws Exception {
        TestServer s = server(p);
        SSLContext ctx = TlsTesting.trusting(TlsTesting.certificate(s));
        for (String proto : List.of("TLSv1.3", "TLSv1.2")) {
            try (SSLSocket sock = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    s.server().httpsPort())) {
                sock.setEnabledProtocols(new String[] {proto});
                sock.startHandshake();
                assertEquals(proto, sock.getSession().getProtocol());
                String suite = sock.getSession().getCipherSuite();
                assertTrue(suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305"), suite);
                // and it serves HTTP on that connection
                sock.getOutputStream().write(("GET /ext/vars?name=SSL_PROTOCOL HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String reply = new String(sock.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
                assertTrue(reply.endsWith("\r\n\r\n" + proto), reply);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsConfig.Provider.class, names = {"CONSCRYPT", "JDK"})
    void tls11And10AreRefused(TlsConfig.Provider p) throws Exception {
        int port = server(p).server().httpsPort();
        int[] suites = {0xc02b, 0xc02f, 0xc009, 0xc013, 0x002f, 0x0035};
        // The probe itself works: the same hello as TLS 1.2 gets a ServerHello.
        ClientHelloProbe.Answer ok = ClientHelloProbe.probe(port, 0x0303, suites);
        assertTrue(ok.isServerHello(), ok.toString());
        assertEquals(0x0303, ok.detail());
        for (int version : new int[] {0x0302, 0x0301, 0x0300}) {
            ClientHelloProbe.Answer a = ClientHelloProbe.probe(port, version, suites);
            assertFalse(a.isServerHello(), String.format("version %04x: %s", version, a));
            assertTrue(a.kind().equals("ALERT") || a.kind().equals("CLOSED"), a.toString());
        }
        // And with a real client: the JDK refuses TLS 1.1 itself, so only check it cannot connect.
        SSLContext ctx = TlsTesting.trusting(TlsTesting.certificate(server(p)));
        try (SSLSocket sock = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            sock.setEnabledProtocols(new String[] {"TLSv1.1"});
            assertThrows(SSLHandshakeException.class, sock::startHandshake);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsConfig.Provider.class, names = {"CONSCRYPT", "JDK"})
    void weakSuitesAreRefused(TlsConfig.Provider p) throws Exception {
        int port = server(p).server().httpsPort();
        int[][] weak = {
            {0x002f, 0x0035, 0x009c, 0x009d, 0x003c}, // RSA key exchange (no forward secrecy), CBC and GCM
            {0xc009, 0xc00a, 0xc013, 0xc014, 0xc023, 0xc027}, // ECDHE with CBC
            {0x009e, 0x009f, 0x0033, 0x0039}, // finite-field DHE
            {0x000a, 0xc012, 0xc008}, // 3DES
            {0x0005, 0x0004, 0xc011, 0xc007}, // RC4
            {0x0001, 0x0002, 0x003b, 0xc006, 0xc010}, // NULL ciphers
            {0x0018, 0x001b, 0x0034, 0xc018}, // anonymous
        };
        for (int[] suites : weak) {
            ClientHelloProbe.Answer a = ClientHelloProbe.probe(port, 0x0303, suites);
            assertFalse(a.isServerHello(), "suites " + java.util.Arrays.toString(suites) + ": " + a);
        }
        for (int good : new int[] {0xc02b, 0xc02c, 0xcca9}) {
            assertTrue(ClientHelloProbe.probe(port, 0x0303, good).isServerHello(), Integer.toHexString(good));
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsConfig.Provider.class, names = {"CONSCRYPT", "JDK"})
    void alpnNegotiatesH2WithTheJdkClient(TlsConfig.Provider p) throws Exception {
        TestServer s = server(p);
        SSLContext ctx = TlsTesting.trusting(TlsTesting.certificate(s));
        HttpClient h2 = TlsTesting.client(ctx, HttpClient.Version.HTTP_2);
        HttpResponse<String> r = h2.send(HttpRequest.newBuilder(URI.create(s.server().httpsUri()
                + "ext/vars?name=SERVER_PROTOCOL")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        assertEquals("HTTP/2.0", r.body());
        // A client that offers only http/1.1 gets it.
        HttpClient h1 = TlsTesting.client(ctx, HttpClient.Version.HTTP_1_1);
        HttpResponse<String> r1 = h1.send(HttpRequest.newBuilder(URI.create(s.server().httpsUri()
                + "ext/vars?name=SERVER_PROTOCOL")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_1_1, r1.version());
        assertEquals("HTTP/1.1", r1.body());
    }

    @Test
    void curlNegotiatesH2AndTrustsTheDevCertificate() throws Exception {
        TestServer s = server(TlsConfig.Provider.CONSCRYPT);
        Path cert = s.root().resolve("work/tls/" + DevCertificate.CERT_FILE);
        for (String host : List.of("localhost", "127.0.0.1")) {
            Process curl = new ProcessBuilder("curl", "-sS", "--http2", "--cacert", cert.toString(),
                    "-w", "\n%{http_version} %{ssl_verify_result}",
                    "https://" + host + ":" + s.server().httpsPort() + "/ext/vars?name=SSL_PROVIDER")
                    .redirectErrorStream(true).start();
            assertTrue(curl.waitFor(30, TimeUnit.SECONDS), "curl did not finish");
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, curl.exitValue(), out);
            assertEquals("Conscrypt\n2 0", out, "curl to " + host);
        }
    }
}
