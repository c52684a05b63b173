package dev.hse4j.server.outbound;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * A real nginx on loopback for the proxy tests: listens with {@code proxy_protocol} (so every request must
 * come with a PROXY header, and {@code /pp} answers what the header said), serves files from a directory,
 * stores PUT uploads there (DAV), and logs each request with the bytes it sent. Stopped by its PID.
 */
final class Nginx implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path root;
    private final Path accessLog;

    private Nginx(Process process, int port, Path root, Path accessLog) {
        this.process = process;
        this.port = port;
        this.root = root;
        this.accessLog = accessLog;
    }

    /** @param dir an empty directory for nginx's files @return the running nginx */
    static Nginx start(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path root = Files.createDirectories(dir.resolve("html"));
        Files.createDirectories(dir.resolve("html/up"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path log = dir.resolve("access.log");
        boolean rootUser = "root".equals(System.getProperty("user.name"));
        String conf = (rootUser ? "user root;\n" : "") + """
                daemon off;
                worker_processes 2;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 4096; }
                http {
                  log_format pp '$proxy_protocol_addr:$proxy_protocol_port $status $body_bytes_sent "$request"';
                  access_log %1$s/access.log pp;
                  client_body_temp_path %2$s/body; proxy_temp_path %2$s/proxy; fastcgi_temp_path %2$s/fcgi;
                  uwsgi_temp_path %2$s/uwsgi; scgi_temp_path %2$s/scgi;
                  sendfile on;
                  server {
                    listen 127.0.0.1:%3$d proxy_protocol;
                    root %4$s;
                    location = /hello { default_type text/plain; return 200 "hello\\n"; }
                    location = /pp { default_type text/plain;
                      return 200 "$proxy_protocol_addr:$proxy_protocol_port -> $proxy_protocol_server_addr:$proxy_protocol_server_port\\n"; }
                    location /up/ { dav_methods PUT; create_full_put_path on; client_max_body_size 0; }
                  }
                }
                """.formatted(dir, tmp, port, root);
        Path cf = dir.resolve("nginx.conf");
        Files.writeString(cf, conf);
        Process p = new ProcessBuilder(nginx(), "-c", cf.toString(), "-p", dir.toString(), "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Nginx n = new Nginx(p, port, root, log);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("stdout.log"))
                            + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
                }
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private static String nginx() {
        for (String c : List.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return "nginx";
    }

    int port() { return port; }
    Path root() { return root; }

    /** @return the access log's lines so far */
    List<String> accessLog() throws IOException {
        return Files.exists(accessLog) ? Files.readAllLines(accessLog) : List.of();
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: nginx's fast shutdown, workers included
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
