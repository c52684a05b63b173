package dev.hse4j.server.admission;

import dev.hse4j.server.deploy.HookDeployment;
import dev.hse4j.server.testing.JarCompiler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Jars compiled at test time (their own class loaders, as in production): an admission hook whose verdict
 * depends on the client's loopback address, and an extension that shows the connection context.
 */
final class HookFixtures {

    private HookFixtures() {
    }

    /**
     * The hook: by source address, 127.0.0.2 refuse (after 20 ms, so the request is already in the server's
     * receive buffer), .3 insufficient resources, .4 throws, .5 answers null, .6 accepts after 50 ms, anything
     * else accepts. The context is a {@code Map} (a JDK type every jar sees) with the hook's version, a request
     * counter the extension increments, and the connection id. It counts close notifications per connection.
     */
    static Path hookJar(Path target, String version) {
        String src = """
                package fx;
                import dev.hse4j.api.*;
                import java.util.*;
                import java.util.concurrent.*;
                import java.util.concurrent.atomic.*;
                public final class ByAddressHook implements AdmissionHook {
                    private final ConcurrentHashMap<Long, AtomicInteger> closes = new ConcurrentHashMap<>();
                    private final Set<Long> accepted = ConcurrentHashMap.newKeySet();
                    public AdmissionVerdict admit(ConnectionOffer o) throws Exception {
                        switch (o.remoteAddress().getAddress().getHostAddress()) {
                            case "127.0.0.2": Thread.sleep(20); return AdmissionVerdict.refuse();
                            case "127.0.0.3": return AdmissionVerdict.insufficientResources();
                            case "127.0.0.4": throw new IllegalStateException("no verdict today");
                            case "127.0.0.5": return null;
                            case "127.0.0.6": Thread.sleep(50); break;
                            default: break;
                        }
                        accepted.add(o.connectionId());
                        Map<String, Object> ctx = new LinkedHashMap<>();
                        ctx.put("version", "%s");
                        ctx.put("requests", new AtomicLong());
                        ctx.put("connection", o.connectionId());
                        ctx.put("listener", o.listener());
                        return AdmissionVerdict.accept(Collections.synchronizedMap(ctx));
                    }
                    public void connectionClosed(ConnectionOffer o, Object context) {
                        closes.computeIfAbsent(o.connectionId(), k -> new AtomicInteger()).incrementAndGet();
                    }
                    public Map<Long, Integer> closes() {
                        Map<Long, Integer> out = new HashMap<>();
                        closes.forEach((k, v) -> out.put(k, v.get()));
                        return out;
                    }
                    public Set<Long> accepted() { return new HashSet<>(accepted); }
                }
                """.formatted(version);
        return JarCompiler.create().source("fx.ByAddressHook", src)
                .manifest("Hse4j-Admission-Hook", "fx.ByAddressHook").writeTo(target);
    }

    /**
     * The extension, at {@code /ext/ctx}: counts the request in the context's counter and answers
     * {@code version=V n=N id=IDENTITY var=HSE_CONNECTION_CONTEXT}, or {@code none}.
     */
    static Path contextJar(Path target) {
        String src = """
                package fx;
                import dev.hse4j.api.*;
                import java.nio.charset.StandardCharsets;
                import java.util.Map;
                import java.util.concurrent.atomic.AtomicLong;
                public final class Ctx implements HttpExtension {
                    public ExtensionVersion getExtensionVersion() { return ExtensionVersion.of("ctx"); }
                    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
                        Object c = ecb.connectionContext();
                        String body;
                        if (c instanceof Map<?, ?> m) {
                            long n = ((AtomicLong) m.get("requests")).incrementAndGet();
                            body = "version=" + m.get("version") + " n=" + n + " id=" + System.identityHashCode(c)
                                    + " var=" + ecb.getServerVariable("HSE_CONNECTION_CONTEXT");
                        } else {
                            String v;
                            try {
                                v = ecb.getServerVariable("HSE_CONNECTION_CONTEXT");
                            } catch (IsapiException e) {
                                v = "(" + e.errorCode() + ")";
                            }
                            body = "none var=" + v;
                        }
                        byte[] b = body.getBytes(StandardCharsets.UTF_8);
                        ecb.sendResponseHeader("200 OK", "Content-Type: text/plain\\r\\nContent-Length: " + b.length + "\\r\\n");
                        ecb.writeClient(b);
                        return HseStatus.SUCCESS;
                    }
                }
                """;
        return JarCompiler.create().source("fx.Ctx", src).extension("fx.Ctx").writeTo(target);
    }

    /** Drops a jar into the extensions directory the safe way: a dot-name, then a rename. */
    static void deploy(Path jar, Path extensions, String name) throws Exception {
        Path tmp = extensions.resolve("." + name);
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, extensions.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** @return the hook instance's close notifications per connection id (read by reflection: another loader) */
    @SuppressWarnings("unchecked")
    static Map<Long, Integer> closes(HookDeployment h) throws Exception {
        return (Map<Long, Integer>) h.hook().getClass().getMethod("closes").invoke(h.hook());
    }

    /** @return the connection ids the hook instance accepted */
    @SuppressWarnings("unchecked")
    static java.util.Set<Long> accepted(HookDeployment h) throws Exception {
        return (java.util.Set<Long>) h.hook().getClass().getMethod("accepted").invoke(h.hook());
    }
}
