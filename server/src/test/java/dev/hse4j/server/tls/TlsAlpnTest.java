package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.TestServer;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ALPN selects only what hse4j speaks (issue 8, item 5): h2 or http/1.1 when offered; for a client that
 * offers neither ({@code ftp}, {@code foo}) the handshake goes on without ALPN and the connection speaks
 * HTTP/1.1. The same on Conscrypt and on the JDK's TLS, seen by a hand-made TLS 1.2 ClientHello (whose
 * ServerHello shows the ALPN answer in clear) and by the JDK's own client on TLS 1.3.
 */
class TlsAlpnTest {

    @TempDir
    static Path tmp;
    static final Map<TlsConfig.Provider, TestServer> SERVERS = new EnumMap<>(TlsConfig.Provider.class);

    @BeforeAll
    static void start() throws Exception {
        for (TlsConfig.Provider p : List.of(TlsConfig.Provider.CONSCRYPT, TlsConfig.Provider.JDK)) {
            SERVERS.put(p, TestServer.builder(tmp.resolve(p.name())).samples("vars")
                    .config(TlsTesting.https(t -> t.provider(p))).start());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestServer s : SERVERS.values()) {
            s.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsConfig.Provider.class, names = {"CONSCRYPT", "JDK"})
    void theServerHelloNamesOnlyAProtocolHse4jSpeaks(TlsConfig.Provider p) throws Exception {
        int port = SERVERS.get(p).server().httpsPort();
        assertEquals("h2", serverHelloAlpn(port, "h2", "http/1.1"));
        assertEquals("h2", serverHelloAlpn(port, "http/1.1", "h2"), "the server's preference");
        assertEquals("http/1.1", serverHelloAlpn(port, "foo", "http/1.1"));
        assertEquals("http/1.1", serverHelloAlpn(port, "http/1.1"));
        // Nothing hse4j speaks: a ServerHello without ALPN, never "ftp" or "foo".
        assertEquals("(none)", serverHelloAlpn(port, "ftp"));
        assertEquals("(none)", serverHelloAlpn(port, "foo"));
        assertEquals("(none)", serverHelloAlpn(port, "ftp", "foo", "spdy/3", "h2c", "http/1.0"));
    }

    @ParameterizedTest
    @EnumSource(value = TlsConfig.Provider.class, names = {"CONSCRYPT", "JDK"})
    void aClientOfferingOnlyFtpGetsHttp11WithoutAlpn(TlsConfig.Provider p) throws Exception {
        TestServer s = SERVERS.get(p);
        SSLContext ctx = TlsTesting.trusting(TlsTesting.certificate(s));
        for (String[] offered : new String[][] {{"ftp"}, {"foo"}, {"ftp", "foo"}}) {
            try (SSLSocket sock = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    s.server().httpsPort())) {
                sock.setSoTimeout(10_000);
                SSLParameters params = sock.getSSLParameters();
                params.setApplicationProtocols(offered);
                sock.setSSLParameters(params);
                sock.startHandshake(); // no no_application_protocol alert
                assertEquals("", sock.getApplicationProtocol(), "no protocol was selected");
                sock.getOutputStream().write(("GET /ext/vars?name=SERVER_PROTOCOL HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String reply = new String(sock.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
                assertTrue(reply.endsWith("\r\n\r\nHTTP/1.1"), reply);
            }
        }
    }

    /**
     * Sends a TLS 1.2 ClientHello offering {@code protocols} by ALPN and reads the ServerHello.
     *
     * @return the protocol in the ServerHello's ALPN extension, {@code (none)} without one, or what came
     *     instead of a ServerHello ({@code alert N}, {@code closed})
     */
    static String serverHelloAlpn(int port, String... protocols) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(clientHello(protocols));
            s.getOutputStream().flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int type;
            try {
                type = in.readUnsignedByte();
            } catch (IOException e) {
                return "closed";
            }
            in.readUnsignedShort(); // record version
            byte[] body = new byte[in.readUnsignedShort()];
            in.readFully(body);
            if (type == 21) {
                return "alert " + (body[1] & 0xff);
            }
            if (type != 22 || body[0] != 2) {
                return "record " + type;
            }
            int i = 4 + 2 + 32; // handshake header, legacy_version, random
            i += 1 + (body[i] & 0xff); // session id
            i += 2 + 1; // cipher suite, compression
            if (i >= 4 + (((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8) | (body[3] & 0xff))) {
                return "(none)"; // no extensions at all
            }
            int end = i + 2 + (((body[i] & 0xff) << 8) | (body[i + 1] & 0xff));
            i += 2;
            while (i < end) {
                int extType = ((body[i] & 0xff) << 8) | (body[i + 1] & 0xff);
                int len = ((body[i + 2] & 0xff) << 8) | (body[i + 3] & 0xff);
                if (extType == 0x0010) {
                    int nameLen = body[i + 4 + 2] & 0xff; // after the 2-byte list length
                    return new String(body, i + 4 + 3, nameLen, StandardCharsets.US_ASCII);
                }
                i += 4 + len;
            }
            return "(none)";
        }
    }

    static byte[] clientHello(String... protocols) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        ext(ext, 0x000a, new byte[] {0, 6, 0, 0x1d, 0, 0x17, 0, 0x18}); // supported_groups
        ext(ext, 0x000b, new byte[] {1, 0}); // ec_point_formats
        ext(ext, 0x000d, new byte[] {0, 8, 4, 3, 8, 4, 4, 1, 5, 3}); // signature_algorithms
        ext(ext, 0xff01, new byte[] {0}); // renegotiation_info
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (String p : protocols) {
            list.write(p.length());
            list.writeBytes(p.getBytes(StandardCharsets.US_ASCII));
        }
        ByteArrayOutputStream alpn = new ByteArrayOutputStream();
        alpn.write(list.size() >> 8);
        alpn.write(list.size());
        alpn.writeBytes(list.toByteArray());
        ext(ext, 0x0010, alpn.toByteArray());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(3); // TLS 1.2, and no supported_versions: the ServerHello's extensions stay in clear
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0); // no session id
        int[] suites = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8};
        body.write(0);
        body.write(suites.length * 2);
        for (int c : suites) {
            body.write(c >> 8);
            body.write(c);
        }
        body.write(1);
        body.write(0); // null compression
        byte[] e = ext.toByteArray();
        body.write(e.length >> 8);
        body.write(e.length);
        body.writeBytes(e);
        byte[] b = body.toByteArray();
        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        hs.write(1); // client_hello
        hs.write(b.length >> 16);
        hs.write(b.length >> 8);
        hs.write(b.length);
        hs.writeBytes(b);
        byte[] h = hs.toByteArray();
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        rec.write(22);
        rec.write(3);
        rec.write(1);
        rec.write(h.length >> 8);
        rec.write(h.length);
        rec.writeBytes(h);
        return rec.toByteArray();
    }

    private static void ext(ByteArrayOutputStream out, int type, byte[] data) {
        out.write(type >> 8);
        out.write(type);
        out.write(data.length >> 8);
        out.write(data.length);
        out.writeBytes(data);
    }
}
