package dev.hse4j.server.tls;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/**
 * The HTTPS setup as it actually runs: the provider in use (not only the one configured), the enabled
 * protocols and cipher suites, ALPN, client authentication and the certificate. Published in
 * {@code /hse/status.json} under {@code "tls"} and logged at start-up.
 *
 * @param port the bound HTTPS port (0 before start)
 * @param providerRequested {@code AUTO}, {@code CONSCRYPT} or {@code JDK}
 * @param provider the JCA provider of the running {@code SSLContext}: {@code Conscrypt} or {@code SunJSSE}
 * @param providerVersion its version
 * @param fallbackReason why Conscrypt is not used although it was wanted, or null
 * @param protocols the enabled protocol versions, best first
 * @param cipherSuites the enabled cipher suites, in server preference order
 * @param alpn the application protocols offered, in preference order
 * @param clientAuth {@code NONE}, {@code WANT} or {@code NEED}
 * @param subject the server certificate's subject
 * @param issuer its issuer
 * @param notAfter its expiry
 * @param sha256 its SHA-256 fingerprint, {@code AB:CD:...}
 * @param key its key, e.g. {@code EC 256}
 * @param source where the certificate came from
 * @param maxRecordPlaintext the largest plaintext an extension write is cut into on TLS (16384)
 */
public record TlsStatus(
        int port,
        String providerRequested,
        String provider,
        String providerVersion,
        String fallbackReason,
        List<String> protocols,
        List<String> cipherSuites,
        List<String> alpn,
        String clientAuth,
        String subject,
        String issuer,
        Instant notAfter,
        String sha256,
        String key,
        String source,
        int maxRecordPlaintext) {

    /** @return this status as the {@code "tls"} object of the status document */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode n = f.objectNode();
        n.put("enabled", true);
        n.put("port", port);
        n.put("provider", provider);
        n.put("providerVersion", providerVersion);
        n.put("providerRequested", providerRequested);
        if (fallbackReason != null) {
            n.put("fallbackReason", fallbackReason);
        }
        protocols.forEach(n.putArray("protocols")::add);
        cipherSuites.forEach(n.putArray("cipherSuites")::add);
        alpn.forEach(n.putArray("alpn")::add);
        n.put("clientAuth", clientAuth);
        n.put("maxRecordPlaintext", maxRecordPlaintext);
        ObjectNode c = n.putObject("certificate");
        c.put("subject", subject);
        c.put("issuer", issuer);
        c.put("notAfter", notAfter.toString());
        c.put("sha256", sha256);
        c.put("key", key);
        c.put("source", source);
        return n;
    }

    /** @return one log line */
    public String summary() {
        return "HTTPS on port " + port + ": " + provider + " " + providerVersion
                + (fallbackReason != null ? " (Conscrypt unavailable: " + fallbackReason + ")" : "")
                + ", " + String.join(" + ", protocols) + ", ALPN " + String.join(", ", alpn)
                + ", client certificates " + clientAuth.toLowerCase(java.util.Locale.ROOT)
                + "; certificate " + subject + " (" + key + ", until " + notAfter + ", " + source + ") SHA-256 " + sha256;
    }
}
