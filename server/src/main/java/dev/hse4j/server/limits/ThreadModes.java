package dev.hse4j.server.limits;

import dev.hse4j.server.config.LimitsConfig.ThreadMode;

import java.util.concurrent.Executor;

import org.eclipse.jetty.util.VirtualThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses where extension calls run: virtual threads when asked for (or by default) and available. */
public final class ThreadModes {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadModes.class);

    private ThreadModes() {
    }

    /** @return whether this JVM runs virtual threads (Java 21+) */
    public static boolean available() {
        return Runtime.version().feature() >= 21 && VirtualThreads.areSupported();
    }

    /**
     * @param mode the configured mode
     * @return the virtual-thread executor to hand Jetty and the host, or {@code null} for platform threads; says
     *         once, in one line, what it chose when that differs from what was asked
     */
    public static Executor virtualExecutor(ThreadMode mode) {
        switch (mode) {
            case PLATFORM:
                return null;
            case VIRTUAL:
                if (!available()) {
                    LOG.warn("virtual threads need Java 21 or newer (this is {}): using platform threads",
                            Runtime.version().feature());
                    return null;
                }
                break;
            default:
                if (!available()) {
                    return null; // the default on Java 17: platform threads, nothing to warn about
                }
        }
        return VirtualThreads.getNamedVirtualThreadsExecutor("hse4j-vt");
    }
}
