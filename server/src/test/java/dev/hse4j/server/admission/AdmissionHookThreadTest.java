package dev.hse4j.server.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.config.AdmissionConfig;
import dev.hse4j.server.testing.JarCompiler;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: admission hooks run on pool threads, never on the thread that accepts connections or on a
 * selector: a hook that blocks on one connection (from 127.0.0.7) stalls neither the accepting of other
 * connections nor their requests, and every call's stack shows no acceptor and no selector loop.
 */
class AdmissionHookThreadTest {

    /** Jetty's frames that would mean the hook runs on an acceptor or a selector thread. */
    private static final List<String> FORBIDDEN = List.of("org.eclipse.jetty.server.AbstractConnector$Acceptor",
            "org.eclipse.jetty.io.ManagedSelector$SelectorProducer");

    private static final String HOOK = """
            package fx;
            import dev.hse4j.api.*;
            import java.util.*;
            import java.util.concurrent.*;
            public final class ThreadHook implements AdmissionHook {
                private final List<String> calls = new CopyOnWriteArrayList<>();
                private final CountDownLatch stalled = new CountDownLatch(1);
                private final CountDownLatch release = new CountDownLatch(1);
                public AdmissionVerdict admit(ConnectionOffer o) throws Exception {
                    StringBuilder b = new StringBuilder(o.remoteAddress().getAddress().getHostAddress())
                            .append(" on ").append(Thread.currentThread().getName()).append(':');
                    for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
                        b.append(' ').append(e.getClassName());
                    }
                    calls.add(b.toString());
                    if (o.remoteAddress().getAddress().getHostAddress().equals("127.0.0.7")) {
                        stalled.countDown();
                        release.await(60, TimeUnit.SECONDS); // a badly written hook: blocks on I/O
                    }
                    return AdmissionVerdict.accept();
                }
                public List<String> calls() { return new ArrayList<>(calls); }
                public boolean awaitStalled() throws InterruptedException { return stalled.await(20, TimeUnit.SECONDS); }
                public void release() { release.countDown(); }
            }
            """;

    @TempDir
    Path tmp;

    private static Object call(Object hook, String method) throws Exception {
        return hook.getClass().getMethod(method).invoke(hook);
    }

    @Test
    void aBlockingHookStallsNeitherAcceptsNorOtherConnections() throws Exception {
        Path jar = JarCompiler.create().source("fx.ThreadHook", HOOK)
                .manifest("Hse4j-Admission-Hook", "fx.ThreadHook").writeTo(tmp.resolve("build/thread-hook.jar"));
        try (TestServer s = TestServer.builder(tmp.resolve("server")).jar(jar)
                .config(b -> b.admission(AdmissionConfig.defaults())).start()) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.server().admission().hooks().active().size() == 1);
            Object hook = s.server().admission().hooks().active().get(0).hook();
            try (Peer stuck = Peer.connect("127.0.0.7", s.port())) {
                assertTrue((Boolean) call(hook, "awaitStalled"), "the hook was asked about 127.0.0.7");
                try {
                    // While the hook holds that one, other clients connect, are judged and served.
                    for (String from : List.of("127.0.0.8", "127.0.0.9", "127.0.0.10")) {
                        long t0 = System.nanoTime();
                        try (Peer p = Peer.connect(from, s.port())) {
                            p.soTimeout(10_000);
                            p.assertServed();
                        }
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        assertTrue(ms < 5_000, from + " took " + ms + " ms while a hook blocked");
                    }
                } finally {
                    call(hook, "release");
                }
                stuck.soTimeout(10_000);
                stuck.assertServed(); // released: admitted and served
            }
            @SuppressWarnings("unchecked")
            List<String> calls = (List<String>) call(hook, "calls");
            assertEquals(4, calls.size(), calls.toString());
            for (String c : calls) {
                for (String frame : FORBIDDEN) {
                    assertFalse(c.contains(" " + frame + " ") || c.endsWith(" " + frame), "a hook ran under " + frame + ": " + c);
                }
            }
        }
    }
}
