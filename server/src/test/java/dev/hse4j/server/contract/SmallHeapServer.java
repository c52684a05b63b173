package dev.hse4j.server.contract;

import dev.hse4j.server.Hse4jServer;
import dev.hse4j.server.config.ServerConfig;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * An hse4j server in a JVM of its own, for tests that must bound the heap (run with {@code -Xmx}):
 * {@code SmallHeapServer <extensionsDir> <workDir> <webroot>}. Prints {@code PORT <n>} once it listens;
 * stops when its standard input closes (so a test that dies never leaves it behind).
 */
public final class SmallHeapServer {

    private SmallHeapServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").httpPort(0).extensionsDir(Path.of(args[0]))
                .workDir(Path.of(args[1])).webroot(Path.of(args[2])).accessLog(null).watch(false).tls(null).build();
        CountDownLatch stdinClosed = new CountDownLatch(1);
        Thread watchStdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent; EOF means the test is gone
                }
            } catch (java.io.IOException e) {
                // the same
            }
            stdinClosed.countDown();
        }, "stdin-watch");
        watchStdin.setDaemon(true);
        try (Hse4jServer server = new Hse4jServer(config)) {
            server.start();
            System.out.println("PORT " + server.httpPort());
            System.out.flush();
            watchStdin.start();
            stdinClosed.await();
        }
    }
}
