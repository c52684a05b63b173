package dev.hse4j.server.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes PEM: certificates (one or a chain) and private keys in every form OpenSSL writes
 * (PKCS#8 {@code PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}, encrypted
 * PKCS#8 and legacy encrypted PEM). Parsing uses BouncyCastle; the keys are made by the JDK's providers.
 * Every failure is a {@link TlsSetupException} naming the file.
 */
final class Pem {

    private Pem() {
    }

    static List<X509Certificate> readCertificates(Path file, String what) {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        try (PEMParser p = parser(file, what)) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    certs.add(conv.getCertificate(h));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            if (e instanceof TlsSetupException t) {
                throw t;
            }
            throw new TlsSetupException("the " + what + " " + file + " is not valid PEM: " + reason(e), e);
        }
        if (certs.isEmpty()) {
            throw new TlsSetupException("the " + what + " " + file + " holds no PEM certificate "
                    + "(-----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }

    static PrivateKey readPrivateKey(Path file, char[] password) {
        String what = "TLS private key";
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
        try (PEMParser p = parser(file, what)) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof PrivateKeyInfo info) {
                    return conv.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return conv.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo enc) {
                    requirePassword(file, password);
                    try {
                        return conv.getPrivateKey(enc.decryptPrivateKeyInfo(
                                new JceOpenSSLPKCS8DecryptorProviderBuilder().build(password)));
                    } catch (Exception e) {
                        throw wrongPassword(file, e);
                    }
                }
                if (o instanceof PEMEncryptedKeyPair enc) {
                    requirePassword(file, password);
                    try {
                        return conv.getKeyPair(enc.decryptKeyPair(new JcePEMDecryptorProviderBuilder().build(password)))
                                .getPrivate();
                    } catch (Exception e) {
                        throw wrongPassword(file, e);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof TlsSetupException t) {
                throw t;
            }
            throw new TlsSetupException("the " + what + " " + file + " is not a valid PEM key: " + reason(e), e);
        }
        throw new TlsSetupException("the " + what + " " + file + " holds no PEM private key "
                + "(-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static void requirePassword(Path file, char[] password) {
        if (password == null) {
            throw new TlsSetupException("the TLS private key " + file + " is encrypted: give its password with "
                    + "--tls-password");
        }
    }

    private static TlsSetupException wrongPassword(Path file, Exception e) {
        return new TlsSetupException("cannot decrypt the TLS private key " + file
                + ": wrong password (--tls-password)?", e);
    }

    private static PEMParser parser(Path file, String what) {
        try {
            Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
            return new PEMParser(r);
        } catch (IOException e) {
            throw new TlsSetupException("cannot read the " + what + " " + file + ": " + reason(e), e);
        }
    }

    /** @return a one-line reason for an I/O failure, without the exception class noise */
    static String reason(Throwable e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    static String certificate(X509Certificate cert) throws CertificateException {
        return block("CERTIFICATE", cert.getEncoded());
    }

    static String privateKey(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
