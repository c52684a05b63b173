package dev.hse4j.server.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 7: {@code ./test.sh} (the README's test command, which {@code .ci/run} calls) installs the
 * Debian peers the tests drive when run as root, prints the exact apt-get line and stops otherwise, then runs
 * {@code mvn -B verify}. Run against stand-ins for id, apt-get, java and mvn on a PATH holding nothing else,
 * so it can be checked here without installing or building anything.
 */
class TestScriptTest {

    static final Path REPO = Path.of(System.getProperty("hse4j.webroot", "../webroot")).toAbsolutePath().getParent();

    @TempDir
    Path tmp;

    Path bin;
    Path calls;

    record Run(int code, String out) {
    }

    void stub(String name, String body) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    void sandbox(String uid) throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        calls = tmp.resolve("calls.txt");
        for (String tool : List.of("bash", "dirname", "head", "sed")) {
            Path real = Path.of("/usr/bin", tool);
            Files.createSymbolicLink(bin.resolve(tool), real.toRealPath());
        }
        stub("id", "echo " + uid);
        stub("mvn", "[ \"$1\" = -v ] && { echo 'Apache Maven (stand-in)'; exit 0; }; echo \"mvn $*\" >> " + calls);
        stub("java", "echo 'openjdk (stand-in)'");
        stub("apt-get", "echo \"apt-get $*\" >> " + calls);
    }

    Run runWithPath(String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/bash", REPO.resolve(script).toString(), "-Dextra")
                .redirectErrorStream(true).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    String calls() throws IOException {
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    /** test.sh's peers: command and Debian package. */
    static final List<String[]> PEERS = List.of(new String[] {"chromium", "chromium"}, new String[] {"curl", "curl"},
            new String[] {"openssl", "openssl"}, new String[] {"haproxy", "haproxy"}, new String[] {"nginx", "nginx"},
            new String[] {"prometheus", "prometheus"}, new String[] {"ss", "iproute2"});

    /** The packages of the peers that are neither stand-ins here nor in /usr/sbin (which test.sh also looks in). */
    static String missingHere() {
        StringBuilder b = new StringBuilder();
        for (String[] peer : PEERS) {
            if (!Files.isExecutable(Path.of("/usr/sbin", peer[0]))) {
                b.append(b.length() == 0 ? "" : " ").append(peer[1]);
            }
        }
        return b.toString();
    }

    @Test
    void notRootWithPeersMissingItPrintsTheAptGetLineAndStops() throws Exception {
        sandbox("1000");
        Run r = runWithPath("test.sh");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("sudo apt-get install -y --no-install-recommends " + missingHere()), r.out());
        assertFalse(calls().contains("mvn"), "the suite does not run without its peers");
        assertFalse(calls().contains("apt-get"), "nothing is installed when not root");
    }

    @Test
    void asRootItInstallsTheMissingPeersThenRunsTheSuite() throws Exception {
        sandbox("0");
        Run r = runWithPath("test.sh");
        assertEquals(0, r.code(), r.out());
        String c = calls();
        assertTrue(c.contains("apt-get update"), c);
        assertTrue(c.contains("install -y -qq --no-install-recommends " + missingHere()), c);
        assertTrue(c.indexOf("apt-get install") < c.indexOf("mvn -B verify -Dextra"), c);
    }

    @Test
    void withEveryPeerPresentItRunsMvnVerifyAndCiRunsExactlyIt() throws Exception {
        sandbox("1000");
        for (String[] peer : PEERS) {
            stub(peer[0], "exit 0");
        }
        Run r = runWithPath("test.sh");
        assertEquals(0, r.code(), r.out());
        assertEquals("mvn -B verify -Dextra\n", calls());
        Files.delete(calls);
        Run ci = runWithPath(".ci/run");
        assertEquals(0, ci.code(), ci.out());
        assertEquals("mvn -B verify\n", calls(), ".ci/run calls ./test.sh, which runs mvn -B verify");
    }
}
