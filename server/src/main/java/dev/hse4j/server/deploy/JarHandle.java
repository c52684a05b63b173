package dev.hse4j.server.deploy;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded jar: its shadow copy and class loader, shared by the extensions it holds. Closed (loader
 * closed, shadow copy deleted) when the last of them is terminated. An extension deployed from the class
 * path (the test kit) has no shadow copy, and its loader is a named child of the class path's, used as
 * the context class loader of its calls: nothing to close, nothing to watch for leaks.
 */
final class JarHandle {

    private static final Logger LOG = LoggerFactory.getLogger(JarHandle.class);

    private final Path shadowJar;
    private final ClassLoader loader;
    private final String jarName;
    private final LeakWatch leakWatch;
    private final AtomicInteger users = new AtomicInteger();
    private final java.util.List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.List<String> descriptions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private final String sha256;
    private final String implementationVersion;

    JarHandle(Path shadowJar, ClassLoader loader, String jarName, LeakWatch leakWatch, String sha256,
              String implementationVersion) {
        this.shadowJar = shadowJar;
        this.loader = loader;
        this.jarName = jarName;
        this.leakWatch = leakWatch;
        this.sha256 = sha256;
        this.implementationVersion = implementationVersion;
    }

    String sha256() {
        return sha256;
    }

    String implementationVersion() {
        return implementationVersion;
    }

    /** Remembers what an extension of this jar is, for the leak report (strings only). */
    void describe(String name, String description) {
        names.add(name);
        descriptions.add(description);
    }

    ClassLoader loader() {
        return loader;
    }

    /**
     * Runs extension code with this jar's loader as the thread's context loader (libraries such as
     * ServiceLoader and JAXB look there), and puts the previous one back whatever happens.
     */
    <T> T withContextLoader(Callable<T> call) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            return call.call();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /**
     * The request path's form of {@link #withContextLoader}: calls the procedure directly. A {@code Callable}
     * per request was a lambda allocated and a call site shared by every kind of task (load, terminate,
     * admission), which the hello profile showed as 1.4 % of its samples.
     */
    HseStatus httpExtensionProc(HttpExtension extension, ExtensionControlBlock ecb) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            return extension.httpExtensionProc(ecb);
        } finally {
            t.setContextClassLoader(previous);
        }
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (shadowJar == null) {
            return; // from the class path: the class path's loader lives on
        }
        try {
            if (loader instanceof URLClassLoader u) {
                u.close();
            }
        } catch (IOException e) {
            LOG.warn("closing the class loader of {}: {}", shadowJar.getFileName(), e.toString());
        }
        try {
            Files.deleteIfExists(shadowJar);
        } catch (IOException e) {
            LOG.debug("could not delete {}", shadowJar, e);
        }
        if (leakWatch != null) {
            leakWatch.closed(loader, new LeakWatch.Retired(jarName, java.util.List.copyOf(names),
                    String.join("; ", descriptions), java.time.Instant.now()));
        }
    }
}
