package dev.hse4j.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The server's private key and certificate chain, however they were configured, checked before the
 * server starts: the key must belong to the first certificate.
 *
 * @param key the private key
 * @param chain the server certificate first, then its issuers
 * @param source where it came from, for the log and the status page
 */
public record KeyMaterial(PrivateKey key, List<X509Certificate> chain, String source) {

    static final String ALIAS = "hse4j";

    public KeyMaterial {
        chain = List.copyOf(chain);
    }

    /** @return the server certificate */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** @return the SHA-256 fingerprint of the server certificate, as {@code AB:CD:...} (OpenSSL's form) */
    public String sha256() {
        return fingerprint(certificate());
    }

    /** @return e.g. {@code EC 256} or {@code RSA 2048} */
    public String keyDescription() {
        PublicKey k = certificate().getPublicKey();
        if (k instanceof RSAKey r) {
            return "RSA " + r.getModulus().bitLength();
        }
        if (k instanceof ECKey e) {
            return "EC " + e.getParams().getCurve().getField().getFieldSize();
        }
        return k.getAlgorithm();
    }

    /** @param cert a certificate @return its SHA-256 fingerprint as colon-separated upper-case hex */
    public static String fingerprint(X509Certificate cert) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Loads PEM files.
     *
     * @param certFile the certificate, then its chain
     * @param keyFile the private key
     * @param password for an encrypted key, or null
     * @return the checked key material
     */
    static KeyMaterial fromPem(Path certFile, Path keyFile, char[] password) {
        List<X509Certificate> chain = Pem.readCertificates(certFile, "TLS certificate");
        PrivateKey key = Pem.readPrivateKey(keyFile, password);
        KeyMaterial m = new KeyMaterial(key, chain, "PEM " + certFile + " + " + keyFile);
        m.checkKeyMatches(keyFile + " does not belong to the certificate " + certFile);
        m.checkChainOrder(certFile.toString());
        return m;
    }

    /**
     * Loads a PKCS#12 keystore; its first key entry (by alias) is used.
     *
     * @param file the keystore
     * @param password its password (also the key's), or null
     * @return the checked key material
     */
    static KeyMaterial fromPkcs12(Path file, char[] password) {
        KeyStore ks;
        try (InputStream in = Files.newInputStream(file)) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || e.getCause() instanceof javax.crypto.BadPaddingException
                    || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("password")) {
                throw new TlsSetupException("cannot open the PKCS#12 keystore " + file + ": wrong password "
                        + "(--tls-password)" + (password == null ? "; none was given" : ""), e);
            }
            throw new TlsSetupException("cannot read the PKCS#12 keystore " + file + ": " + Pem.reason(e), e);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("the PKCS#12 keystore " + file + " cannot be read: " + Pem.reason(e), e);
        }
        try {
            List<String> aliases = Collections.list(ks.aliases());
            Collections.sort(aliases);
            List<String> keys = new ArrayList<>();
            for (String a : aliases) {
                if (ks.isKeyEntry(a)) {
                    keys.add(a);
                }
            }
            if (keys.isEmpty()) {
                throw new TlsSetupException("the PKCS#12 keystore " + file + " holds no private key entry");
            }
            String alias = keys.get(0);
            PrivateKey key;
            try {
                key = (PrivateKey) ks.getKey(alias, password == null ? new char[0] : password);
            } catch (UnrecoverableKeyException e) {
                throw new TlsSetupException("cannot read the key '" + alias + "' in " + file
                        + ": its password differs from the keystore's (--tls-password)", e);
            }
            List<X509Certificate> chain = new ArrayList<>();
            Certificate[] certs = ks.getCertificateChain(alias);
            if (certs == null || certs.length == 0) {
                throw new TlsSetupException("the key '" + alias + "' in " + file + " has no certificate");
            }
            for (Certificate c : certs) {
                chain.add((X509Certificate) c);
            }
            KeyMaterial m = new KeyMaterial(key, chain, "PKCS#12 " + file + (keys.size() > 1
                    ? " (entry '" + alias + "', first of " + keys.size() + ")" : ""));
            m.checkKeyMatches("the key '" + alias + "' in " + file + " does not belong to its certificate");
            return m;
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("the PKCS#12 keystore " + file + " cannot be used: " + Pem.reason(e), e);
        }
    }

    /** Fails unless each certificate is followed by its issuer (as TLS sends them). */
    void checkChainOrder(String where) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            X509Certificate next = chain.get(i + 1);
            if (!c.getIssuerX500Principal().equals(next.getSubjectX500Principal())) {
                throw new TlsSetupException("the certificates in " + where + " are not a chain: certificate " + (i + 2)
                        + " (" + next.getSubjectX500Principal().getName() + ") did not issue certificate " + (i + 1)
                        + " (issuer " + c.getIssuerX500Principal().getName() + "); put the server certificate first, "
                        + "then each issuer in order");
            }
        }
    }

    /** Fails unless the private key signs what the certificate's public key verifies. */
    void checkKeyMatches(String message) {
        PublicKey pub = certificate().getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            case "RSASSA-PSS" -> null;
            default -> null;
        };
        if (alg == null) {
            return; // an unusual key type: let the handshake judge it
        }
        try {
            byte[] probe = "hse4j key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (!v.verify(sig)) {
                throw new TlsSetupException("the private key " + message);
            }
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("the private key " + message + " (" + Pem.reason(e) + ")", e);
        }
    }

    /** @return an in-memory PKCS#12 keystore holding only this key and chain, protected by {@code password} */
    KeyStore toKeyStore(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, key, password, chain.toArray(new X509Certificate[0]));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the in-memory keystore", e);
        }
    }
}
