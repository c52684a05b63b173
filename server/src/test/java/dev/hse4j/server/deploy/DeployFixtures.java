package dev.hse4j.server.deploy;

import dev.hse4j.server.testing.JarCompiler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;

/**
 * Extension jars for the hot-deployment tests, compiled at test time so that one class name can exist in
 * several versions with different behaviour.
 *
 * <p>The probe extension answers {@code GET} with its label (for example {@code v1}), and:
 * <ul>
 *   <li>{@code ?hold=KEY}: returns PENDING and answers "LABEL pending done" when the
 *       {@link CompletableFuture} the test put in {@code System.getProperties()} under KEY completes (a
 *       JDK object, so both sides see it across class loaders);</li>
 *   <li>{@code ?lazy}: answers through a nested class loaded on first use (from the shadow copy);</li>
 *   <li>{@code ?see=CLASS}: "visible" or "hidden": can the extension load that class?</li>
 *   <li>{@code ?available}: the preloaded body size (cbAvailable) and cbTotalBytes.</li>
 * </ul>
 * Its load and terminate calls are appended as "LABEL load", "LABEL ADVISORY", "LABEL MUST" to the queue
 * {@link #events()}.
 */
final class DeployFixtures {

    /** The System-properties key of the event queue the probes write to. */
    static final String EVENTS_KEY = "hse4j.deploytest.events";
    static final String PROBE_CLASS = "dev.hse4j.fixtures.DeployProbe";

    private DeployFixtures() {
    }

    /** @return the event queue (created on first use; probes write to it) */
    @SuppressWarnings("unchecked")
    static Queue<String> events() {
        synchronized (System.getProperties()) {
            Object q = System.getProperties().get(EVENTS_KEY);
            if (q == null) {
                q = new ConcurrentLinkedQueue<String>();
                System.getProperties().put(EVENTS_KEY, q);
            }
            return (Queue<String>) q;
        }
    }

    /** @return a future a probe's {@code ?hold=KEY} request waits on, registered under a fresh key */
    static Hold hold() {
        String key = "hse4j.deploytest.hold." + System.nanoTime();
        CompletableFuture<Void> f = new CompletableFuture<>();
        System.getProperties().put(key, f);
        return new Hold(key, f);
    }

    /** A pending request's release. */
    record Hold(String key, CompletableFuture<Void> future) {
        void release() {
            future.complete(null);
            System.getProperties().remove(key);
        }
    }

    /** How a probe is built; every field has a default. */
    static final class Probe {
        String label = "v1";
        String className = PROBE_CLASS;
        /** The {@code @ExtensionSettings(...)} arguments, or null for none. */
        String settings;
        /** Statements run in getExtensionVersion before it returns (may throw or return early). */
        String onLoad = "";
        /** Statements run in terminateExtension (after the event is recorded). */
        String onTerminate = "";
        /** The expression getExtensionVersion returns. */
        String version = "ExtensionVersion.of(\"Deploy probe \" + LABEL)";
        /** The expression the plain GET answers (a String). */
        String body = "LABEL";
        boolean refuseAdvisory;
        String implementationVersion;
        final List<String[]> extraSources = new ArrayList<>();

        Probe label(String v) { label = v; return this; }
        Probe className(String v) { className = v; return this; }
        Probe settings(String v) { settings = v; return this; }
        Probe onLoad(String v) { onLoad = v; return this; }
        Probe onTerminate(String v) { onTerminate = v; return this; }
        Probe version(String v) { version = v; return this; }
        Probe body(String v) { body = v; return this; }
        Probe refuseAdvisory(boolean v) { refuseAdvisory = v; return this; }
        Probe implementationVersion(String v) { implementationVersion = v; return this; }
        Probe extraSource(String className, String source) { extraSources.add(new String[] {className, source}); return this; }
    }

    /** Writes a probe jar labelled {@code label}. */
    static Path probe(Path target, String label) {
        return probe(target, p -> p.label(label));
    }

    /** Writes a probe jar built as {@code how} says. */
    static Path probe(Path target, UnaryOperator<Probe> how) {
        Probe p = how.apply(new Probe());
        String pkg = p.className.substring(0, p.className.lastIndexOf('.'));
        String simple = p.className.substring(p.className.lastIndexOf('.') + 1);
        String src = """
                package %PKG%;

                import dev.hse4j.api.*;
                import java.nio.charset.StandardCharsets;
                import java.util.Queue;
                import java.util.concurrent.CompletableFuture;

                %SETTINGS%
                public final class %CLASS% implements HttpExtension {
                    static final String LABEL = "%LABEL%";
                    static final boolean REFUSE_ADVISORY = %REFUSE%;

                    @Override
                    public ExtensionVersion getExtensionVersion() throws Exception {
                        event("load");
                        %ONLOAD%
                        return %VERSION%;
                    }

                    @Override
                    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
                        String q = ecb.queryString();
                        if (q.startsWith("hold=")) {
                            CompletableFuture<?> f = (CompletableFuture<?>) System.getProperties().get(q.substring(5));
                            f.thenRun(() -> {
                                try {
                                    send(ecb, LABEL + " pending done");
                                    ecb.doneWithSession(HseStatus.SUCCESS_AND_KEEP_CONN);
                                } catch (IsapiException e) {
                                    event("pending write failed: " + e);
                                }
                            });
                            return HseStatus.PENDING;
                        }
                        String body;
                        if (q.equals("lazy")) {
                            body = new Lazy().text();
                        } else if (q.startsWith("see=")) {
                            String name = q.substring(4);
                            boolean visible;
                            try {
                                Class.forName(name, false, %CLASS%.class.getClassLoader());
                                visible = true;
                            } catch (ClassNotFoundException | LinkageError e) {
                                visible = false;
                            }
                            body = visible ? "visible" : "hidden";
                        } else if (q.equals("available")) {
                            body = "available=" + ecb.available() + " total=" + ecb.totalBytes();
                        } else {
                            body = %BODY%;
                        }
                        send(ecb, body);
                        return HseStatus.SUCCESS_AND_KEEP_CONN;
                    }

                    private static void send(ExtensionControlBlock ecb, String text) throws IsapiException {
                        byte[] b = (text + "\\n").getBytes(StandardCharsets.UTF_8);
                        ecb.sendResponseHeader("200 OK", "Content-Type: text/plain; charset=utf-8\\r\\nContent-Length: "
                                + b.length + "\\r\\n\\r\\n", true);
                        ecb.writeClient(b);
                    }

                    static final class Lazy {
                        String text() {
                            return LABEL + " lazy";
                        }
                    }

                    @Override
                    public boolean terminateExtension(TerminateMode mode) {
                        event(mode.name());
                        %ONTERMINATE%
                        return !REFUSE_ADVISORY || mode == TerminateMode.MUST;
                    }

                    @SuppressWarnings("unchecked")
                    static void event(String what) {
                        Object q = System.getProperties().get("%EVENTS%");
                        if (q instanceof Queue) {
                            ((Queue<String>) q).add(LABEL + " " + what);
                        }
                    }
                }
                """
                .replace("%PKG%", pkg)
                .replace("%CLASS%", simple)
                .replace("%SETTINGS%", p.settings == null ? "" : "@ExtensionSettings(" + p.settings + ")")
                .replace("%LABEL%", p.label)
                .replace("%REFUSE%", String.valueOf(p.refuseAdvisory))
                .replace("%ONLOAD%", p.onLoad)
                .replace("%ONTERMINATE%", p.onTerminate)
                .replace("%VERSION%", p.version)
                .replace("%BODY%", p.body)
                .replace("%EVENTS%", EVENTS_KEY);
        JarCompiler jc = JarCompiler.create().source(p.className, src).extension(p.className);
        for (String[] extra : p.extraSources) {
            jc.source(extra[0], extra[1]);
        }
        if (p.implementationVersion != null) {
            jc.manifest("Implementation-Version", p.implementationVersion);
        }
        return jc.writeTo(target);
    }
}
