package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.TlsCertInfoExtension;
import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the server's certificate comes from (the development certificate, made once and reused; PEM in
 * its several forms; PKCS#12), what goes wrong clearly (missing file, wrong password, key of another
 * certificate), and client certificates (want / need, CERT_FLAGS, getCertInfo).
 */
class TlsCertificateTest {

    @TempDir
    Path tmp;

    private TestServer start(Path root, UnaryOperator<TlsConfig.Builder> tls, Path... jars) throws Exception {
        TestServer.Builder b = TestServer.builder(root).samples("vars").config(TlsTesting.https(tls));
        for (Path j : jars) {
            b.jar(j);
        }
        return b.start();
    }

    /** @return the certificate the server presents, from a client trusting only {@code expected} */
    private static X509Certificate presented(TestServer s, X509Certificate expected) throws Exception {
        SSLContext ctx = TlsTesting.trusting(expected);
        try (SSLSocket sock = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                s.server().httpsPort())) {
            sock.startHandshake();
            return (X509Certificate) sock.getSession().getPeerCertificates()[0];
        }
    }

    private static JsonNode status(TestServer s) throws Exception {
        return new ObjectMapper().readTree(s.given().get("/hse/status.json").asString()).get("tls");
    }

    @Test
    void devCertificateIsCreatedOnceAndReused() throws Exception {
        Path certFile = tmp.resolve("work/tls/" + DevCertificate.CERT_FILE);
        Path keyFile = tmp.resolve("work/tls/" + DevCertificate.KEY_FILE);
        String first;
        byte[] certBytes;
        FileTime certTime;
        try (TestServer s = start(tmp, t -> t)) {
            first = s.server().tls().keys().sha256();
            certBytes = Files.readAllBytes(certFile);
            certTime = Files.getLastModifiedTime(certFile);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
            JsonNode st = status(s);
            assertEquals(first, st.get("certificate").get("sha256").asText());
            assertTrue(st.get("certificate").get("source").asText().endsWith("(created)"), st.toString());
            assertEquals(first, KeyMaterial.fingerprint(presented(s, TlsTesting.certificate(s))));
            assertTrue(TlsTesting.certificate(s).getSubjectAlternativeNames().toString().contains("127.0.0.1"));
        }
        try (TestServer s = start(tmp, t -> t)) {
            assertEquals(first, s.server().tls().keys().sha256());
            assertArrayEquals(certBytes, Files.readAllBytes(certFile), "the certificate file was rewritten");
            assertEquals(certTime, Files.getLastModifiedTime(certFile));
            assertTrue(status(s).get("certificate").get("source").asText().endsWith("(reused)"));
            assertEquals(first, KeyMaterial.fingerprint(presented(s, TlsTesting.certificate(s))));
        }
    }

    @Test
    void devCertificateAboutToExpireIsReplaced() throws Exception {
        Path dir = tmp.resolve("tls");
        DevCertificate.Generated old = DevCertificate.generate("localhost", List.of("localhost", "127.0.0.1", "::1"),
                Duration.ofDays(2));
        TestCerts.writeCert(dir.resolve(DevCertificate.CERT_FILE), old.certificate());
        TestCerts.writeKey(dir.resolve(DevCertificate.KEY_FILE), old.keyPair().getPrivate());
        try (TestServer s = start(tmp, t -> t.dir(dir))) {
            assertNotEquals(KeyMaterial.fingerprint(old.certificate()), s.server().tls().keys().sha256());
            assertTrue(s.server().tls().keys().certificate().getNotAfter().toInstant()
                    .isAfter(java.time.Instant.now().plus(Duration.ofDays(300))));
        }
    }

    @Test
    void pemInItsCommonForms() throws Exception {
        TestCerts.Issued ca = TestCerts.ca("hse4j test CA");
        TestCerts.Issued issued = TestCerts.server("pem.test", ca, "127.0.0.1");
        DevCertificate.Generated leaf = new DevCertificate.Generated(issued.keys(), issued.cert());
        Path cert = TestCerts.writeCert(tmp.resolve("pem/cert.pem"), leaf.certificate(), ca.cert());
        Path pkcs8 = TestCerts.writeKey(tmp.resolve("pem/key-pkcs8.pem"), leaf.keyPair().getPrivate());
        Path sec1 = tmp.resolve("pem/key-sec1.pem");
        Path encrypted = tmp.resolve("pem/key-enc.pem");
        openssl("ec", "-in", pkcs8.toString(), "-out", sec1.toString());
        openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", pkcs8.toString(), "-out", encrypted.toString(),
                "-passout", "pass:s3cret");
        assertTrue(Files.readString(sec1).contains("BEGIN EC PRIVATE KEY"));
        assertTrue(Files.readString(encrypted).contains("BEGIN ENCRYPTED PRIVATE KEY"));
        Path pwFile = Files.writeString(tmp.resolve("pem/pw.txt"), "s3cret\n");
        Map<Path, String> keys = new HashMap<>();
        keys.put(pkcs8, null);
        keys.put(sec1, null);
        keys.put(encrypted, "file:" + pwFile);
        int i = 0;
        for (Map.Entry<Path, String> k : keys.entrySet()) {
            try (TestServer s = start(tmp.resolve("pem-" + i++), t -> t.pem(cert, k.getKey()).password(k.getValue()))) {
                // a client that trusts only the CA accepts the chain
                assertEquals(KeyMaterial.fingerprint(leaf.certificate()), KeyMaterial.fingerprint(
                        presented(s, ca.cert())), k.getKey().toString());
                assertEquals(2, s.server().tls().keys().chain().size());
                String subject = TlsTesting.getClosing(TlsTesting.trusting(ca.cert()), s.server().httpsPort(),
                        "/ext/vars?name=HTTPS_SERVER_SUBJECT");
                assertTrue(subject.contains("CN=pem.test"), subject);
                assertTrue(Files.notExists(tmp.resolve("pem-" + (i - 1) + "/work/tls/" + DevCertificate.CERT_FILE)),
                        "no development certificate when one is configured");
            }
        }
    }

    @Test
    void pkcs12Keystore() throws Exception {
        DevCertificate.Generated leaf = DevCertificate.generate("p12.test", List.of("127.0.0.1"), Duration.ofDays(10));
        Path p12 = writePkcs12(tmp.resolve("server.p12"), leaf, "changeit");
        try (TestServer s = start(tmp.resolve("a"), t -> t.keystore(p12).password("changeit"))) {
            assertEquals(KeyMaterial.fingerprint(leaf.certificate()),
                    KeyMaterial.fingerprint(presented(s, leaf.certificate())));
            assertTrue(status(s).get("certificate").get("source").asText().startsWith("PKCS#12 "));
        }
    }

    @Test
    void unusableConfigurationsFailWithAClearMessage() throws Exception {
        DevCertificate.Generated leaf = DevCertificate.generate("x.test", List.of(), Duration.ofDays(10));
        DevCertificate.Generated other = DevCertificate.generate("y.test", List.of(), Duration.ofDays(10));
        Path cert = TestCerts.writeCert(tmp.resolve("c.pem"), leaf.certificate());
        Path key = TestCerts.writeKey(tmp.resolve("k.pem"), leaf.keyPair().getPrivate());
        Path otherKey = TestCerts.writeKey(tmp.resolve("other.pem"), other.keyPair().getPrivate());
        Path p12 = writePkcs12(tmp.resolve("s.p12"), leaf, "right");
        Path encrypted = tmp.resolve("enc.pem");
        openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", key.toString(), "-out", encrypted.toString(),
                "-passout", "pass:right");
        Path missing = tmp.resolve("nope/cert.pem");
        assertFails(t -> t.pem(missing, key), "cannot read the TLS certificate " + missing + ": no such file");
        assertFails(t -> t.pem(cert, tmp.resolve("nope.pem")), "no such file");
        assertFails(t -> t.pem(key, key), "holds no PEM certificate");
        assertFails(t -> t.pem(cert, cert), "holds no PEM private key");
        assertFails(t -> t.pem(cert, otherKey), "does not belong to the certificate");
        Path badChain = TestCerts.writeCert(tmp.resolve("bad-chain.pem"), leaf.certificate(), other.certificate());
        assertFails(t -> t.pem(badChain, key), "are not a chain: certificate 2 (O=hse4j development certificate,CN=y.test)");
        assertFails(t -> t.pem(cert, encrypted), "is encrypted: give its password");
        assertFails(t -> t.pem(cert, encrypted).password("wrong"), "wrong password");
        assertFails(t -> t.keystore(p12).password("wrong"), "wrong password");
        assertFails(t -> t.keystore(tmp.resolve("missing.p12")).password("x"), "no such file");
        assertFails(t -> t.keystore(cert).password("x"), "PKCS#12");
        assertFails(t -> t.pem(cert, key).password("env:HSE4J_SURELY_NOT_SET"), "HSE4J_SURELY_NOT_SET is not set");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsConfig.builder().clientAuth(TlsConfig.ClientAuth.NEED).build());
        assertTrue(e.getMessage().contains("--client-ca"), e.getMessage());
    }

    private void assertFails(UnaryOperator<TlsConfig.Builder> tls, String expected) {
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> start(tmp.resolve("fail-" + System.nanoTime()), tls).close());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void clientCertificatesWanted() throws Exception {
        TestCerts.Issued ca = TestCerts.ca("hse4j client CA");
        TestCerts.Issued trusted = TestCerts.client("alice", ca);
        TestCerts.Issued stranger = TestCerts.selfSigned("mallory");
        Path caFile = TestCerts.writeCert(tmp.resolve("client-ca.pem"), ca.cert());
        Path jar = FixtureJars.jarOf(tmp.resolve("jars/tlsinfo.jar"), TlsCertInfoExtension.class);
        try (TestServer s = start(tmp.resolve("want"), t -> t.clientAuth(TlsConfig.ClientAuth.WANT).clientCa(caFile), jar)) {
            X509Certificate server = TlsTesting.certificate(s);
            Map<String, String> none = info(s, TlsTesting.context(server, null, null));
            assertEquals("0", none.get("info.flags"));
            assertEquals("0", none.get("info.length"));
            assertEquals("0", none.get("CERT_FLAGS"));
            assertEquals("(232)", none.get("CERT_SUBJECT"));
            assertEquals("true", none.get("ssf.equal"));
            assertEquals("87", none.get("ssf.junk"));

            for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
                Map<String, String> good = info(s, TlsTesting.context(server, trusted.keys().getPrivate(), trusted.cert()), v);
                assertEquals("1", good.get("info.flags"), good.toString());
                assertEquals("1", good.get("CERT_FLAGS"));
                assertArrayEquals(trusted.cert().getEncoded(), Base64.getDecoder().decode(good.get("info.der")));
                assertEquals("true", good.get("ssf.equal"));
                assertTrue(good.get("CERT_SUBJECT").contains("CN=alice"), good.get("CERT_SUBJECT"));
                assertEquals("CN=hse4j client CA", good.get("CERT_ISSUER"));
                assertTrue(good.get("CERT_SERIALNUMBER").matches("[0-9a-f]{2}(-[0-9a-f]{2})*"), good.get("CERT_SERIALNUMBER"));

                Map<String, String> bad = info(s, TlsTesting.context(server, stranger.keys().getPrivate(), stranger.cert()), v);
                assertEquals("3", bad.get("info.flags"), bad.toString());
                assertEquals("3", bad.get("CERT_FLAGS"));
                assertArrayEquals(stranger.cert().getEncoded(), Base64.getDecoder().decode(bad.get("info.der")));
            }
        }
        // Without --client-ca, nothing is trusted.
        try (TestServer s = start(tmp.resolve("want-noca"), t -> t.clientAuth(TlsConfig.ClientAuth.WANT), jar)) {
            Map<String, String> m = info(s, TlsTesting.context(TlsTesting.certificate(s), trusted.keys().getPrivate(),
                    trusted.cert()));
            assertEquals("3", m.get("CERT_FLAGS"));
        }
    }

    @Test
    void clientCertificatesNeeded() throws Exception {
        TestCerts.Issued ca = TestCerts.ca("hse4j client CA");
        TestCerts.Issued trusted = TestCerts.client("bob", ca);
        TestCerts.Issued stranger = TestCerts.selfSigned("eve");
        Path caFile = TestCerts.writeCert(tmp.resolve("client-ca.pem"), ca.cert());
        Path jar = FixtureJars.jarOf(tmp.resolve("jars/tlsinfo.jar"), TlsCertInfoExtension.class);
        for (TlsConfig.Provider p : List.of(TlsConfig.Provider.CONSCRYPT, TlsConfig.Provider.JDK)) {
            try (TestServer s = start(tmp.resolve("need-" + p), t -> t.provider(p)
                    .clientAuth(TlsConfig.ClientAuth.NEED).clientCa(caFile), jar)) {
                X509Certificate server = TlsTesting.certificate(s);
                Map<String, String> good = info(s, TlsTesting.context(server, trusted.keys().getPrivate(), trusted.cert()));
                assertEquals("1", good.get("CERT_FLAGS"), p + " " + good);
                assertEquals("1", good.get("info.flags"));
                assertThrows(IOException.class, () -> info(s, TlsTesting.context(server, null, null)), p + ": no certificate");
                assertThrows(IOException.class, () -> info(s, TlsTesting.context(server, stranger.keys().getPrivate(),
                        stranger.cert())), p + ": untrusted certificate");
            }
        }
    }

    private static Map<String, String> info(TestServer s, SSLContext ctx) throws Exception {
        return info(s, ctx, HttpClient.Version.HTTP_1_1);
    }

    private static Map<String, String> info(TestServer s, SSLContext ctx, HttpClient.Version v) throws Exception {
        String body;
        if (v == HttpClient.Version.HTTP_2) {
            HttpClient c = TlsTesting.client(ctx, v);
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(s.server().httpsUri() + "ext/tlsinfo"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(v, r.version());
            body = r.body();
        } else {
            body = TlsTesting.getClosing(ctx, s.server().httpsPort(), "/ext/tlsinfo");
        }
        Map<String, String> m = new HashMap<>();
        for (String line : body.split("\n")) {
            int eq = line.indexOf('=');
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }

    private static Path writePkcs12(Path file, DevCertificate.Generated g, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", g.keyPair().getPrivate(), password.toCharArray(),
                new X509Certificate[] {g.certificate()});
        try (var out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
        return file;
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }
}
