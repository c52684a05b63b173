package dev.hse4j.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line, as an operator meets it, in a separate JVM: a bad TLS setup stops start-up with one
 * clear line and a non-zero exit code (no stack trace); a good one logs the provider and the certificate's
 * SHA-256 fingerprint; and when Conscrypt's native library cannot load, the server says so once and runs
 * on the JDK's TLS.
 */
class TlsMainTest {

    @TempDir
    Path tmp;

    private List<String> command(String... jvmAndArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        boolean main = false;
        for (String a : jvmAndArgs) {
            if (!main && !a.startsWith("-D")) {
                cmd.add("dev.hse4j.server.Main");
                cmd.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--https-port", "0",
                        "--extensions", tmp.resolve("ext").toString(), "--webroot", tmp.resolve("web").toString(),
                        "--work-dir", tmp.resolve("work").toString(), "--access-log", "none"));
                main = true;
            }
            cmd.add(a);
        }
        if (!main) {
            cmd.add("dev.hse4j.server.Main");
            cmd.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--https-port", "0",
                    "--extensions", tmp.resolve("ext").toString(), "--webroot", tmp.resolve("web").toString(),
                    "--work-dir", tmp.resolve("work").toString(), "--access-log", "none"));
        }
        return cmd;
    }

    private record Run(int exit, String output) {
    }

    private Run run(String... args) throws Exception {
        Files.createDirectories(tmp.resolve("ext"));
        Files.createDirectories(tmp.resolve("web"));
        Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    private static void assertClearFailure(Run r, String expected) {
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("hse4j: "), r.output());
        assertTrue(r.output().contains(expected), r.output());
        assertFalse(r.output().contains("\tat "), "a stack trace: " + r.output());
        assertFalse(r.output().contains("Exception"), "an exception name: " + r.output());
        assertEquals(1, r.output().strip().lines().count(), "one line: " + r.output());
    }

    @Test
    void badCertificatePathStopsStartUpWithOneClearLine() throws Exception {
        Path missing = tmp.resolve("missing.pem");
        assertClearFailure(run("--tls-cert", missing.toString(), "--tls-key", missing.toString()),
                "cannot read the TLS certificate " + missing + ": no such file");
        assertClearFailure(run("--tls-cert", missing.toString()), "--tls-cert and --tls-key go together");
        assertClearFailure(run("--tls-provider", "openssl"), "--tls-provider must be one of auto, conscrypt, jdk");
    }

    @Test
    void wrongKeystorePasswordStopsStartUpWithOneClearLine() throws Exception {
        DevCertificate.Generated g = DevCertificate.generate("x", List.of(), java.time.Duration.ofDays(2));
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", g.keyPair().getPrivate(), "right".toCharArray(),
                new java.security.cert.X509Certificate[] {g.certificate()});
        Path p12 = tmp.resolve("s.p12");
        try (var out = Files.newOutputStream(p12)) {
            ks.store(out, "right".toCharArray());
        }
        assertClearFailure(run("--tls-keystore", p12.toString(), "--tls-password", "wrong"),
                "cannot open the PKCS#12 keystore " + p12 + ": wrong password");
    }

    @Test
    void startsLogsTheFingerprintAndFallsBackToTheJdkWhenConscryptCannotLoad() throws Exception {
        Files.createDirectories(tmp.resolve("ext"));
        Files.createDirectories(tmp.resolve("web"));
        // Conscrypt extracts its native library into this directory: make that impossible.
        Path notADir = Files.writeString(tmp.resolve("not-a-dir"), "x");
        Process p = new ProcessBuilder(command("-Dorg.conscrypt.native.workdir=" + notADir,
                "-Djava.io.tmpdir=" + notADir)).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.contains("HTTPS on port") || line.startsWith("hse4j: ")) {
                    break;
                }
            }
            String all = String.join("\n", lines);
            String https = lines.get(lines.size() - 1);
            assertTrue(https.contains("HTTPS on port"), all);
            assertTrue(https.contains("SunJSSE"), https);
            assertEquals(1, lines.stream().filter(l -> l.contains("Conscrypt's native library cannot load")).count(), all);
            Matcher m = Pattern.compile("SHA-256 ([0-9A-F:]{95})").matcher(https);
            assertTrue(m.find(), https);
            String fingerprint = KeyMaterial.fingerprint(Pem.readCertificates(
                    tmp.resolve("work/tls/" + DevCertificate.CERT_FILE), "test").get(0));
            assertEquals(fingerprint, m.group(1));
            // The same fingerprint was logged when the development certificate was made.
            assertTrue(lines.stream().anyMatch(l -> l.contains("created a self-signed development certificate")
                    && l.contains(fingerprint)), all);
            // And it serves, on the JDK's TLS.
            Matcher port = Pattern.compile("HTTPS on port (\\d+)").matcher(https);
            assertTrue(port.find());
            Process curl = new ProcessBuilder("curl", "-sS", "--cacert",
                    tmp.resolve("work/tls/" + DevCertificate.CERT_FILE).toString(), "-o", "/dev/null", "-w", "%{http_code}",
                    "https://127.0.0.1:" + port.group(1) + "/hse/health").redirectErrorStream(true).start();
            assertTrue(curl.waitFor(30, TimeUnit.SECONDS));
            assertEquals("200", new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
