package dev.hse4j.server.deploy;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded jar: its shadow copy and class loader, shared by the extensions it holds. Closed (loader
 * closed, shadow copy deleted) when the last of them is terminated.
 */
final class JarHandle {

    private static final Logger LOG = LoggerFactory.getLogger(JarHandle.class);

    private final Path shadowJar;
    private final URLClassLoader loader;
    private final AtomicInteger users = new AtomicInteger();

    JarHandle(Path shadowJar, URLClassLoader loader) {
        this.shadowJar = shadowJar;
        this.loader = loader;
    }

    URLClassLoader loader() {
        return loader;
    }

    Path shadowJar() {
        return shadowJar;
    }

    void addUser() {
        users.incrementAndGet();
    }

    /** Drops one user; the last one closes the jar. */
    void release() {
        if (users.decrementAndGet() <= 0) {
            close();
        }
    }

    void close() {
        try {
            loader.close();
        } catch (IOException e) {
            LOG.warn("closing the class loader of {}: {}", shadowJar.getFileName(), e.toString());
        }
        try {
            Files.deleteIfExists(shadowJar);
        } catch (IOException e) {
            LOG.debug("could not delete {}", shadowJar, e);
        }
    }
}
