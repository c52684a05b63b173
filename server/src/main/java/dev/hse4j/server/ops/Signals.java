package dev.hse4j.server.ops;

import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over SIGTERM and SIGINT, so that the drain runs instead of the JVM's immediate exit and a second
 * signal can be seen (a shutdown hook runs once, and a second signal during it is swallowed). Uses
 * {@code sun.misc.Signal} (module jdk.unsupported, in every JDK); where it is missing, returns false and the
 * caller keeps its shutdown hook.
 */
public final class Signals {

    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    /**
     * @param handler called with the signal's name ("SIGTERM", "SIGINT") on a signal-dispatch thread
     * @return whether the handlers are installed
     */
    public static boolean onTermination(Consumer<String> handler) {
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> handler.accept("SIG" + s.getName()));
            }
            return true;
        } catch (IllegalArgumentException | LinkageError e) {
            LOG.warn("cannot handle SIGTERM here ({}): stopping without a drain", e.toString());
            return false;
        }
    }
}
