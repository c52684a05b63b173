package dev.hse4j.server.proxy;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian's {@code /usr/sbin/haproxy}) for a test: runs in the foreground ({@code -db}) on
 * loopback with the given configuration, is stopped by its PID, and answers stats-socket commands.
 */
final class Haproxy implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/haproxy");

    private final Process process;
    private final Path socket;
    private final Path log;

    private Haproxy(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /**
     * Starts HAProxy; {@code config} gets a {@code global} section with a stats socket prepended.
     *
     * @param dir a directory for the configuration, socket and output
     * @param config the configuration after {@code global}
     * @param frontendPorts ports HAProxy listens on: the start waits until they accept connections
     */
    static Haproxy start(Path dir, String config, int... frontendPorts) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: run ./test.sh (it installs the Debian haproxy package)");
        }
        Path socket = dir.resolve("haproxy.sock");
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, "global\n  stats socket " + socket + " mode 600 level admin\n  maxconn 512\n\n" + config);
        Path log = dir.resolve("haproxy.out");
        Process p = new ProcessBuilder(BINARY.toString(), "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Haproxy h = new Haproxy(p, socket, log);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("haproxy exited " + p.exitValue() + ": " + Files.readString(log));
                }
                for (int port : frontendPorts) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        s.setSoLinger(true, 0);
                    } catch (IOException e) {
                        return false;
                    }
                }
                return Files.exists(socket);
            });
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    /** @return a free loopback port (for a configuration written before anything binds it) */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** @param command a stats-socket command, e.g. {@code show stat} @return its answer */
    String command(String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            StringBuilder out = new StringBuilder();
            while (ch.read(buf) > 0) {
                buf.flip();
                out.append(StandardCharsets.US_ASCII.decode(buf));
                buf.clear();
            }
            return out.toString();
        }
    }

    /**
     * @param backend a backend name
     * @param server a server name
     * @return {@code status,check_status} of that server from {@code show stat}, e.g. {@code UP,L7OK}
     */
    String serverState(String backend, String server) throws IOException {
        String[] lines = command("show stat").split("\n");
        String[] head = lines[0].replace("# ", "").split(",");
        int status = -1;
        int check = -1;
        for (int i = 0; i < head.length; i++) {
            if (head[i].equals("status")) {
                status = i;
            } else if (head[i].equals("check_status")) {
                check = i;
            }
        }
        for (String l : lines) {
            String[] f = l.split(",", -1);
            if (f.length > Math.max(status, check) && f[0].equals(backend) && f[1].equals(server)) {
                return f[status] + "," + f[check];
            }
        }
        return "absent";
    }

    /** @return what HAProxy printed so far */
    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Stops HAProxy by its PID (SIGTERM, then SIGKILL) and waits for it. */
    @Override
    public void close() {
        ProcessHandle ph = process.toHandle();
        ph.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                ph.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            ph.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
