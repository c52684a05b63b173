package dev.hse4j.server.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development certificate: a self-signed EC P-256 certificate for {@code localhost}, {@code 127.0.0.1}
 * and {@code ::1}, made on the first start without a configured certificate and kept in
 * {@code dev-cert.pem} / {@code dev-key.pem} (mode 600) for every later start, so that a browser or
 * {@code curl --cacert dev-cert.pem} trusts it once. It is made again only when it has expired (or is
 * about to) or its files are unusable.
 */
public final class DevCertificate {

    /** The certificate file's name. */
    public static final String CERT_FILE = "dev-cert.pem";
    /** The key file's name. */
    public static final String KEY_FILE = "dev-key.pem";
    /** How long a development certificate is valid (the longest browsers accept for a leaf). */
    static final Duration VALIDITY = Duration.ofDays(397);
    /** Renewed when it has less than this left. */
    static final Duration RENEW_BEFORE = Duration.ofDays(7);

    private static final Logger LOG = LoggerFactory.getLogger(DevCertificate.class);

    private DevCertificate() {
    }

    /**
     * Loads the development certificate from {@code dir}, or makes it there.
     *
     * @param dir the directory (created if needed)
     * @param extraHost one more host name or address to cover (the configured listen address), or null
     * @return the key material, its source saying whether it was created or reused
     */
    public static KeyMaterial loadOrCreate(Path tlsDir, String extraHost) {
        Path dir = tlsDir.toAbsolutePath().normalize();
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        // One JVM may start several servers on one directory (tests); other processes are kept out by the lock.
        synchronized (DevCertificate.class) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new TlsSetupException("cannot create the TLS directory " + dir + " for the development "
                        + "certificate: " + Pem.reason(e), e);
            }
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".dev-cert.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
                String why = null;
                if (Files.exists(cert) && Files.exists(key)) {
                    try {
                        KeyMaterial m = KeyMaterial.fromPem(cert, key, null);
                        Instant notAfter = m.certificate().getNotAfter().toInstant();
                        List<String> missing = uncovered(m.certificate(), hosts(extraHost));
                        if (!missing.isEmpty()) {
                            why = "it does not cover " + String.join(", ", missing);
                        } else if (Instant.now().plus(RENEW_BEFORE).isBefore(notAfter)) {
                            return new KeyMaterial(m.key(), m.chain(), "development certificate " + cert + " (reused)");
                        } else {
                            why = "it expires on " + notAfter;
                        }
                    } catch (TlsSetupException e) {
                        why = "it cannot be used: " + e.getMessage();
                    }
                }
                Generated g = generate("localhost", hosts(extraHost), VALIDITY);
                writeAtomically(key, Pem.privateKey(g.keyPair().getPrivate()), true);
                writeAtomically(cert, Pem.certificate(g.certificate()), false);
                KeyMaterial m = new KeyMaterial(g.keyPair().getPrivate(), List.of(g.certificate()),
                        "development certificate " + cert + " (created)");
                if (why == null) {
                    LOG.info("created a self-signed development certificate in {} for {}: SHA-256 {}", cert,
                            hosts(extraHost), m.sha256());
                } else {
                    LOG.warn("replaced the development certificate {} ({}): new SHA-256 {}", cert, why, m.sha256());
                }
                return m;
            } catch (IOException | GeneralSecurityException e) {
                throw new TlsSetupException("cannot make the development certificate in " + dir + ": "
                        + Pem.reason(e), e);
            }
        }
    }

    private static List<String> uncovered(X509Certificate cert, List<String> hosts) {
        Set<String> have = new LinkedHashSet<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    have.add(normal(String.valueOf(san.get(1))));
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            return hosts;
        }
        List<String> missing = new ArrayList<>();
        for (String h : hosts) {
            if (!have.contains(normal(h))) {
                missing.add(h);
            }
        }
        return missing;
    }

    private static String normal(String host) {
        if (isAddress(host)) {
            try {
                return InetAddress.getByName(host).getHostAddress();
            } catch (IOException e) {
                return host;
            }
        }
        return host.toLowerCase(java.util.Locale.ROOT);
    }

    private static List<String> hosts(String extraHost) {
        Set<String> h = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        if (extraHost != null && !extraHost.isBlank() && !extraHost.equals("0.0.0.0") && !extraHost.equals("::")) {
            h.add(extraHost);
        }
        return new ArrayList<>(h);
    }

    private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (secret && tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * A key pair and its self-signed certificate.
     *
     * @param keyPair the EC P-256 key pair
     * @param certificate the certificate
     */
    public record Generated(KeyPair keyPair, X509Certificate certificate) {
    }

    /**
     * Makes a self-signed EC P-256 end-entity certificate for TLS servers and clients.
     *
     * @param commonName the subject's CN
     * @param hosts DNS names and IP addresses for the subject alternative names (may be empty)
     * @param validity how long from now it is valid (it starts one hour ago, against clock skew)
     * @return the key pair and certificate
     * @throws GeneralSecurityException if the JDK cannot make an EC key or sign
     */
    public static Generated generate(String commonName, List<String> hosts, Duration validity)
            throws GeneralSecurityException {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = kpg.generateKeyPair();
        X500Name name = new X500Name("CN=" + commonName + ", O=hse4j development certificate");
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), name, kp.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
            if (!hosts.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String h : hosts) {
                    names.add(isAddress(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            return new Generated(kp, new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()))));
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("cannot build the certificate: " + e.getMessage(), e);
        }
    }

    private static boolean isAddress(String h) {
        if (h.indexOf(':') >= 0) {
            return true;
        }
        if (!h.matches("[0-9.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(h); // a literal: no lookup happens
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
