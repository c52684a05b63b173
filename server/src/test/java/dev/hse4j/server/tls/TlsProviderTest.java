package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.TlsConfig;
import dev.hse4j.server.testing.TestServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.Security;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conscrypt is the provider actually used (seen from a request: the TLS session object belongs to
 * Conscrypt), the JDK's TLS works when forced, and AUTO falls back to it (with the reason in the status)
 * when Conscrypt cannot load, while a forced Conscrypt refuses to start.
 */
class TlsProviderTest {

    @TempDir
    Path tmp;

    private static String var(TestServer s, SSLContext ctx, HttpClient.Version v, String name) throws Exception {
        HttpResponse<String> r = TlsTesting.client(ctx, v).send(HttpRequest.newBuilder(
                URI.create(s.server().httpsUri() + "ext/vars?name=" + name)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static JsonNode tlsStatus(TestServer s, SSLContext ctx) throws Exception {
        HttpResponse<String> r = TlsTesting.client(ctx, HttpClient.Version.HTTP_2).send(HttpRequest.newBuilder(
                URI.create(s.server().httpsUri() + "hse/status.json")).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(r.body()).get("tls");
    }

    @Test
    void conscryptIsTheProviderActuallyUsedByDefault() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("vars", "hello").config(TlsTesting.https(t -> t)).start()) {
            SSLContext ctx = TlsTesting.trusting(TlsTesting.certificate(s));
            assertNull(TlsTesting.given(s).get("/ext/hello").header("Strict-Transport-Security"), "no HSTS by default");
            for (HttpClient.Version v : HttpClient.Version.values()) {
                assertEquals("Conscrypt", var(s, ctx, v, "SSL_PROVIDER"), v.toString());
                assertEquals("TLSv1.3", var(s, ctx, v, "SSL_PROTOCOL"));
                String cipher = var(s, ctx, v, "SSL_CIPHER");
                assertTrue(TlsConnectors.CIPHER_SUITES.subList(0, 3).contains(cipher), cipher);
                assertEquals(cipher.contains("128") ? "128" : "256", var(s, ctx, v, "HTTPS_KEYSIZE"));
                assertEquals("256", var(s, ctx, v, "HTTPS_SECRETKEYSIZE")); // EC P-256 server key
            }
            JsonNode st = tlsStatus(s, ctx);
            assertEquals("Conscrypt", st.get("provider").asText());
            assertEquals("AUTO", st.get("providerRequested").asText());
            assertNull(st.get("fallbackReason"));
            assertEquals("[\"TLSv1.3\",\"TLSv1.2\"]", st.get("protocols").toString());
            assertEquals("[\"h2\",\"http/1.1\"]", st.get("alpn").toString());
            assertEquals(16384, st.get("maxRecordPlaintext").asInt());
            for (JsonNode suite : st.get("cipherSuites")) {
                String n = suite.asText();
                assertTrue(n.contains("_GCM_") || n.contains("CHACHA20_POLY1305"), n);
                assertTrue(n.startsWith("TLS_AES_") || n.startsWith("TLS_CHACHA20_") || n.startsWith("TLS_ECDHE_"), n);
            }
            assertEquals(s.server().tls().keys().sha256(), st.get("certificate").get("sha256").asText());
            // the plain port shows the same status
            assertEquals("Conscrypt", new ObjectMapper().readTree(s.given().get("/hse/status.json").asString())
                    .get("tls").get("provider").asText());
            // Conscrypt is registered for hse4j's own use only: the JVM's default TLS stays the JDK's.
            assertEquals("SunJSSE", SSLContext.getDefault().getProvider().getName());
            assertTrue(Security.getProviders()[Security.getProviders().length - 1].getName().equals("Conscrypt"));
        }
    }

    @Test
    void theJdkProviderWorksWhenForced() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("vars")
                .config(TlsTesting.https(t -> t.provider(TlsConfig.Provider.JDK).hstsMaxAge(31_536_000))).start()) {
            SSLContext ctx = TlsTesting.trusting(TlsTesting.certificate(s));
            // --hsts: Strict-Transport-Security on HTTPS responses, never on plain HTTP ones
            TlsTesting.given(s).get("/ext/vars?name=HTTPS").then().header("Strict-Transport-Security",
                    "max-age=31536000");
            assertNull(s.given().get("/ext/vars?name=HTTPS").header("Strict-Transport-Security"));
            for (HttpClient.Version v : HttpClient.Version.values()) {
                assertEquals("SunJSSE", var(s, ctx, v, "SSL_PROVIDER"), v.toString());
                assertEquals("TLSv1.3", var(s, ctx, v, "SSL_PROTOCOL"));
            }
            JsonNode st = tlsStatus(s, ctx);
            assertEquals("SunJSSE", st.get("provider").asText());
            assertEquals("JDK", st.get("providerRequested").asText());
        }
    }

    @Test
    void statusSaysWhenHttpsIsOff() throws Exception {
        try (TestServer s = TestServer.builder(tmp).samples("vars").start()) { // TestServer: no HTTPS by default
            assertEquals(-1, s.server().httpsPort());
            assertNull(s.server().httpsUri());
            JsonNode tls = new ObjectMapper().readTree(s.given().get("/hse/status.json").asString()).get("tls");
            assertEquals("{\"enabled\":false}", tls.toString());
        }
    }

    @Test
    void autoFallsBackToTheJdkAndAForcedConscryptRefusesToStart() {
        ProviderChoice auto = ProviderChoice.choose(TlsConfig.Provider.AUTO, () -> "libconscrypt_openjdk_jni: noexec /tmp");
        assertEquals("SunJSSE", auto.provider());
        assertEquals("libconscrypt_openjdk_jni: noexec /tmp", auto.fallbackReason());
        assertFalse(auto.isConscrypt());
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> ProviderChoice.choose(TlsConfig.Provider.CONSCRYPT, () -> "no native library"));
        assertTrue(e.getMessage().contains("--tls-provider=conscrypt, but Conscrypt cannot load here: no native library"),
                e.getMessage());
        // JDK forced never even tries Conscrypt
        assertEquals("SunJSSE", ProviderChoice.choose(TlsConfig.Provider.JDK, () -> {
            throw new AssertionError("probed");
        }).provider());
        assertTrue(ProviderChoice.choose(TlsConfig.Provider.CONSCRYPT).isConscrypt());
    }
}
