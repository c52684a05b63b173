package dev.hse4j.testkit;

import dev.hse4j.api.HttpExtension;
import dev.hse4j.server.Hse4jServer;
import dev.hse4j.server.config.ServerConfig;
import dev.hse4j.server.config.StrictConfig;
import dev.hse4j.server.strict.StrictReports;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.deploy.JarLoader;
import dev.hse4j.server.host.SessionObserver;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.jetty.server.LocalConnector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The real hse4j host, started for a test class with extensions from the test's class path; a JUnit 5
 * extension. Use it through {@link Hse4jTest}, or register it yourself for more control:
 *
 * <pre>{@code
 * @RegisterExtension
 * static Hse4jTestHost host = Hse4jTestHost.builder()
 *         .extension(new GreetExtension("Hi"))
 *         .config(c -> c.sessionTimeout(Duration.ofSeconds(2)))
 *         .build();
 * }</pre>
 *
 * <p>It is {@link Hse4jServer} itself: the extensions are deployed through the same deployment code as
 * jars (settings, {@code getExtensionVersion}, mount names), every request goes through the same host, ECB
 * and I/O state machine, and the counters and status document are the server's. Only the jar is missing:
 * the extension's classes come from the test's class path.
 */
public final class Hse4jTestHost implements BeforeAllCallback, AfterAllCallback, ParameterResolver, AutoCloseable {

    /** How long the client waits for a response byte, and the awaits for server state. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final List<Object> extensions = new ArrayList<>();
    private final List<Path> jars = new ArrayList<>();
    private boolean socket;
    private UnaryOperator<ServerConfig.Builder> tweak = UnaryOperator.identity();
    private final List<SessionRecord> sessions = new CopyOnWriteArrayList<>();
    private final List<SessionRecord> claimed = new CopyOnWriteArrayList<>();
    private Hse4jServer server;
    private LocalConnector local;
    private Path root;
    private Hse4jClient client;

    /** For {@link Hse4jTest}: the extensions and options come from the annotation on the test class. */
    public Hse4jTestHost() {
    }

    /** @return a builder for a host registered with {@code @RegisterExtension} */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link Hse4jTestHost}. */
    public static final class Builder {
        private final Hse4jTestHost host = new Hse4jTestHost();

        private Builder() {
        }

        /**
         * @param type an extension class to deploy (public, with a public no-argument constructor)
         * @return this
         */
        public Builder extension(Class<? extends HttpExtension> type) {
            host.extensions.add(type);
            return this;
        }

        /**
         * @param instance an extension instance to deploy (for extensions the test configures)
         * @return this
         */
        public Builder extension(HttpExtension instance) {
            host.extensions.add(instance);
            return this;
        }

        /**
         * @param jar an extension jar (e.g. {@code target/my-extension.jar} after {@code mvn package}), put in
         *        the host's extensions directory and loaded exactly as the server loads jars
         * @return this
         */
        public Builder jar(Path jar) {
            host.jars.add(jar);
            return this;
        }

        /** @return this, running the host with {@code --strict} */
        public Builder strict() {
            return config(c -> c.strict(StrictConfig.on()));
        }

        /** @return this, serving on an ephemeral loopback port instead of in memory */
        public Builder socket() {
            host.socket = true;
            return this;
        }

        /**
         * @param t changes to the server configuration (session timeout, read-ahead, read timeout...)
         * @return this
         */
        public Builder config(UnaryOperator<ServerConfig.Builder> t) {
            UnaryOperator<ServerConfig.Builder> before = host.tweak;
            host.tweak = b -> t.apply(before.apply(b));
            return this;
        }

        /** @return the host; JUnit starts it before the tests and stops it after */
        public Hse4jTestHost build() {
            return host;
        }

        /**
         * Starts the host outside JUnit's lifecycle (close it yourself).
         *
         * @return the started host
         */
        public Hse4jTestHost start() {
            host.start();
            return host;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (extensions.isEmpty() && jars.isEmpty()) {
            Hse4jTest a = context.getRequiredTestClass().getAnnotation(Hse4jTest.class);
            if (a == null) {
                throw new ExtensionConfigurationException("Hse4jTestHost needs @Hse4jTest or a builder with extensions");
            }
            extensions.addAll(List.of(a.value()));
            socket = a.socket();
            long timeout = a.sessionTimeoutMillis();
            int readAhead = a.readAheadBytes();
            boolean strict = a.strict();
            tweak = b -> {
                if (strict) {
                    b.strict(StrictConfig.on());
                }
                if (timeout > 0) {
                    b.sessionTimeout(Duration.ofMillis(timeout));
                }
                if (readAhead >= 0) {
                    b.readAheadBytes(readAhead);
                }
                return b;
            };
        }
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        Class<?> t = p.getParameter().getType();
        return t == Hse4jClient.class || t == Hse4jTestHost.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == Hse4jClient.class ? client() : this;
    }

    synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            root = Files.createTempDirectory("hse4j-testkit");
            ServerConfig.Builder b = ServerConfig.builder()
                    .host("127.0.0.1")
                    .httpPort(0)
                    .extensionsDir(Files.createDirectories(root.resolve("extensions")))
                    .webroot(Files.createDirectories(root.resolve("webroot")))
                    .workDir(root.resolve("work"))
                    .accessLog(null)
                    .watch(false)
                    .tls(null);
            for (Path jar : jars) {
                Files.copy(jar, root.resolve("extensions").resolve(jar.getFileName()));
            }
            server = new Hse4jServer(tweak.apply(b).build());
            server.sessionObserver(this::record);
            if (!socket) {
                local = server.addLocalConnector();
            }
            server.start();
            for (Path jar : jars) {
                awaitDeployed(jar.getFileName().toString());
            }
            for (Object e : extensions) {
                deploy(e instanceof Class<?> c ? instantiate(c) : (HttpExtension) e);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IllegalStateException("the hse4j test host did not start: " + e.getMessage(), e);
        }
    }

    private static HttpExtension instantiate(Class<?> c) {
        try {
            return c.asSubclass(HttpExtension.class).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new ExtensionConfigurationException("cannot instantiate " + c.getName()
                    + " (an extension needs a public no-argument constructor, as in a jar)", e);
        }
    }

    /**
     * Deploys one more extension while the host runs (or replaces the one from the same class: the old
     * instance drains and is terminated, as a redeployed jar).
     *
     * @param extension the instance
     * @return its mount name
     */
    public String deploy(HttpExtension extension) {
        requireStarted();
        List<Deployment> ds = server.deployer().deployInstance(extension);
        if (ds.isEmpty()) {
            throw new ExtensionConfigurationException("cannot deploy " + extension.getClass().getName() + ": "
                    + server.deployer().outcome(JarLoader.classPathSource(extension.getClass()).getFileName().toString())
                    .message());
        }
        return ds.get(0).name();
    }

    private void awaitDeployed(String file) {
        await(() -> server.deployer().outcome(file) != null, "the deployment of " + file);
        dev.hse4j.server.deploy.Deployer.Outcome o = server.deployer().outcome(file);
        if (!o.ok()) {
            throw new ExtensionConfigurationException("cannot deploy " + file + ": " + o.message());
        }
    }

    private void record(SessionObserver.Ended e) {
        sessions.add(new SessionRecord(e.extension(), e.method(), e.pathQuery(), e.outcome(), e.pending(),
                e.logData(), e.status()));
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("the test host is not running (it starts before the test class)");
        }
    }

    /** @return the client of this host (one kept-alive connection; {@link TestRequest#start()} opens more) */
    public synchronized Hse4jClient client() {
        requireStarted();
        if (client == null) {
            client = newClient();
        }
        return client;
    }

    /** @return a new client with its own kept-alive connection */
    public Hse4jClient newClient() {
        requireStarted();
        if (local != null) {
            LocalConnector c = local;
            return new Hse4jClient(() -> Wire.local(c, TIMEOUT));
        }
        int port = server.httpPort();
        return new Hse4jClient(() -> Wire.socket("127.0.0.1", port, TIMEOUT));
    }

    /** @return whether requests go over a loopback socket (else in memory) */
    public boolean isSocket() {
        return local == null;
    }

    /** @return the server's address when serving on a socket, e.g. for another HTTP client */
    public java.net.URI baseUri() {
        requireStarted();
        if (local != null) {
            throw new IllegalStateException("the host serves in memory; build it with socket() for a port");
        }
        return server.baseUri();
    }

    /** @return the server itself */
    public Hse4jServer server() {
        requireStarted();
        return server;
    }

    // ------------------------------------------------------------------ what happened on the server

    /** @return every session ended so far, in the order they ended */
    public List<SessionRecord> sessions() {
        return List.copyOf(sessions);
    }

    /**
     * Waits for the session of a request: sessions end on the server just after (or, for an aborted
     * client, some time after) the client saw the response. Each session is returned once, oldest first.
     *
     * @param pathQuery the request's path and query, as sent
     * @return its session record
     */
    public SessionRecord awaitSession(String pathQuery) {
        return awaitSession(s -> s.pathQuery().equals(pathQuery), "a session for " + pathQuery);
    }

    /**
     * @param match which session
     * @param what what is awaited, for the failure message
     * @return the first matching session not returned before
     */
    public SessionRecord awaitSession(Predicate<SessionRecord> match, String what) {
        SessionRecord[] found = new SessionRecord[1];
        await(() -> {
            synchronized (claimed) {
                for (SessionRecord s : sessions) {
                    if (match.test(s) && claimed.stream().noneMatch(c -> c == s)) {
                        claimed.add(s);
                        found[0] = s;
                        return true;
                    }
                }
                return false;
            }
        }, what);
        return found[0];
    }

    /**
     * The server's counters for one extension.
     *
     * @param name the mount name
     * @return its counters now
     */
    public ExtensionCounters counters(String name) {
        requireStarted();
        Deployment d = server.registry().serving(name);
        if (d == null) {
            throw new IllegalArgumentException("no extension is mounted at /ext/" + name);
        }
        return new ExtensionCounters(d.requests(), d.errors(), d.sessionTimeouts(), d.inFlight(), d.pendingSessions());
    }

    /**
     * Waits until an extension has {@code n} PENDING sessions open (a held request has reached
     * {@code httpExtensionProc}, which returned PENDING).
     *
     * @param name the mount name
     * @param n how many
     */
    public void awaitPending(String name, int n) {
        await(() -> counters(name).pending() == n, n + " pending session(s) on /ext/" + name);
    }

    /**
     * Waits for a condition on the server (e.g. on {@link #counters(String)}), failing after
     * {@link #TIMEOUT}.
     *
     * @param condition the condition
     * @param what what is awaited, for the failure message
     */
    public void await(BooleanSupplier condition, String what) {
        try {
            Awaitility.await(what).atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what);
        }
    }

    /** @return what strict mode has reported so far (see {@link Hse4jTest#strict()}) */
    public List<StrictReports.Report> strictReports() {
        requireStarted();
        return server.strictReports().reports();
    }

    /** @return the server's status document, as {@code /hse/status.json} serves it */
    public ObjectNode status() {
        requireStarted();
        return server.status().status();
    }

    /** Stops the server and deletes its temporary directory. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        try {
            if (server != null) {
                server.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("stopping the test host failed", e);
        } finally {
            server = null;
            local = null;
            sessions.clear();
            claimed.clear();
            deleteTree(root);
            root = null;
        }
    }

    private static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
