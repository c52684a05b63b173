package dev.hse4j.server.deploy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys the jars of the extensions directory into the registry and remembers the outcome of each
 * attempt (for the log and the status page). A bad jar is reported with its name and reason; the others
 * still deploy.
 */
public final class Deployer {

    private static final Logger LOG = LoggerFactory.getLogger(Deployer.class);

    /**
     * The outcome of the last attempt to deploy, redeploy or remove one jar.
     *
     * @param jar the jar's file name
     * @param ok whether it worked
     * @param action {@code deploy}, {@code redeploy} or {@code remove}
     * @param message what was deployed, or why not
     * @param at when
     * @param attempt how many attempts were made on this jar file name so far (this one included)
     * @param nameClash whether it failed only because another jar serves one of its names
     */
    public record Outcome(String jar, boolean ok, String action, String message, Instant at, long attempt,
                          boolean nameClash) {
    }

    private final Path dir;
    private final JarLoader loader;
    private final ExtensionRegistry registry;
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Long> attempts = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private volatile java.util.function.Consumer<Outcome> listener;
    private volatile Duration loadTimeout = Duration.ofSeconds(60);
    private volatile int parallelism = Math.min(16, Math.max(4, Runtime.getRuntime().availableProcessors()));
    private volatile HookSink hooks;

    /**
     * @param dir the extensions directory
     * @param loader loads one jar
     * @param registry where deployments go
     */
    public Deployer(Path dir, JarLoader loader, ExtensionRegistry registry) {
        this.dir = dir;
        this.loader = loader;
        this.registry = registry;
    }

    /**
     * Which directory entries are jars to deploy: names ending in {@code .jar} that do not start with
     * {@code .} (hidden: copy a jar in under a dot-name, then rename it), {@code ~} or {@code #} (editor and
     * temporary files). Anything else (hello.jar.part, hello.jar.tmp, hello.jar~) is ignored.
     *
     * @param fileName a directory entry
     * @return whether it is a jar to deploy
     */
    public static boolean isCandidate(String fileName) {
        return fileName.endsWith(".jar") && fileName.length() > 4 && !fileName.startsWith(".")
                && !fileName.startsWith("~") && !fileName.startsWith("#");
    }

    /** @param sink where the admission hooks found in jars go; without one, a jar's hooks are not deployed */
    public void hooks(HookSink sink) {
        this.hooks = sink;
    }

    /** @return the extensions directory */
    public Path dir() {
        return dir;
    }

    /** Deploys every jar of the directory, several at a time (see {@link #deployAll(List)}). */
    public void deployAll() {
        if (!Files.isDirectory(dir)) {
            LOG.warn("extensions directory {} does not exist: no extension is loaded", dir.toAbsolutePath());
            return;
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (isCandidate(p.getFileName().toString()) && Files.isRegularFile(p)) {
                    jars.add(p);
                }
            }
        } catch (IOException e) {
            LOG.error("cannot list {}: {}", dir, e.toString());
            return;
        }
        deployAll(jars);
    }

    /**
     * Deploys jars several at a time (a few threads: {@code getExtensionVersion} mostly waits on something),
     * so one slow jar does not hold up the others; returns once all have been tried. While a jar loads,
     * requests for its name answer 503 with Retry-After (see {@link ExtensionRegistry#isLoading(String)}).
     * If two of them claim the same name, the one that finishes loading first serves it.
     *
     * @param jars the jars
     */
    public void deployAll(List<Path> jars) {
        List<Path> sorted = new ArrayList<>(jars);
        sorted.sort(null);
        for (Path jar : sorted) {
            registry.loadingStarted(jar.getFileName().toString());
        }
        int threads = Math.min(sorted.size(), parallelism);
        if (threads <= 1) {
            sorted.forEach(this::deployMarked);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "hse4j-deploy");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Path jar : sorted) {
                done.add(pool.submit(() -> deployMarked(jar)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.error("a deploy failed unexpectedly", e.getCause());
        } finally {
            pool.shutdownNow();
            for (Path jar : sorted) {
                registry.loadingEnded(jar.getFileName().toString());
            }
        }
    }

    private void deployMarked(Path jar) {
        try {
            deploy(jar);
        } finally {
            registry.loadingEnded(jar.getFileName().toString());
        }
    }

    /** @param threads how many jars {@link #deployAll(List)} loads at once (at least 1) */
    public void parallelism(int threads) {
        this.parallelism = Math.max(1, threads);
    }

    /**
     * Deploys (or redeploys) one jar, all of its extensions or none. On failure whatever served before
     * keeps serving, and the outcome says why.
     *
     * @param jar the jar
     * @return whether it deployed
     */
    public boolean deploy(Path jar) {
        String file = jar.getFileName().toString();
        synchronized (lockOf(file)) {
            return deployLocked(jar, file);
        }
    }

    /** One lock per jar file name: the same jar never deploys twice at once, different jars do. */
    private Object lockOf(String file) {
        return locks.computeIfAbsent(file, k -> new Object());
    }

    private boolean deployLocked(Path jar, String file) {
        long attempt = attempts.merge(file, 1L, Long::sum);
        HookSink sink = hooks;
        List<String> before = new ArrayList<>(registry.namesFrom(jar));
        if (sink != null) {
            before.addAll(sink.namesFrom(jar));
        }
        String action = before.isEmpty() ? "deploy" : "redeploy";
        String keeps = before.isEmpty() ? "" : "; the previous version keeps serving";
        JarLoader.LoadedJar all;
        try {
            all = loadWithTimeout(jar, file);
        } catch (DeployException e) {
            return fail(file, action, e.getMessage() + keeps, attempt, false);
        }
        List<Deployment> loaded = all.extensions();
        if (sink == null && !all.hooks().isEmpty()) {
            all.hooks().forEach(HookDeployment::discard);
            if (loaded.isEmpty()) {
                return fail(file, action, "the jar holds only admission hooks, and this server takes none", attempt,
                        false);
            }
        }
        List<Deployment> retired;
        try {
            retired = registry.installAll(loaded, jar);
        } catch (DeployException e) {
            for (Deployment d : loaded) {
                d.discard();
            }
            all.hooks().forEach(HookDeployment::discard);
            return fail(file, action, e.getMessage() + keeps, attempt, e.nameClash());
        }
        int retiredHooks = sink == null ? 0 : sink.installAll(jar, all.hooks());
        StringBuilder msg = new StringBuilder(before.isEmpty() ? "deployed " : "redeployed ");
        for (int i = 0; i < loaded.size(); i++) {
            Deployment d = loaded.get(i);
            msg.append(i == 0 ? "" : ", ").append("/ext/").append(d.name()).append(" (")
                    .append(d.version().description()).append(')');
            LOG.info("{} /ext/{} from {} (sha-256 {}): {}", before.isEmpty() ? "deployed" : "redeployed", d.name(),
                    file, d.jarSha256().substring(0, 12), d.version());
        }
        if (sink != null) {
            for (HookDeployment h : all.hooks()) {
                msg.append(msg.charAt(msg.length() - 1) == ' ' ? "" : ", ").append("admission hook ")
                        .append(h.className());
                LOG.info("{} admission hook {} from {} (sha-256 {})", before.isEmpty() ? "deployed" : "redeployed",
                        h.className(), file, h.jarSha256().substring(0, 12));
            }
        }
        if (retiredHooks > 0) {
            msg.append("; ").append(retiredHooks).append(retiredHooks == 1 ? " previous hook version retires"
                    : " previous hook versions retire");
        }
        if (!retired.isEmpty()) {
            msg.append("; ").append(retired.size()).append(retired.size() == 1 ? " previous version drains"
                    : " previous versions drain");
        }
        record(new Outcome(file, true, action, msg.toString(), Instant.now(), attempt, false));
        return true;
    }

    /**
     * Loads on a thread of its own, so that an extension whose getExtensionVersion never returns cannot
     * wedge deployment: after the load timeout the jar is reported as failed, and if the call does return
     * one day, what it loaded is discarded.
     */
    private JarLoader.LoadedJar loadWithTimeout(Path jar, String file) throws DeployException {
        CompletableFuture<JarLoader.LoadedJar> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(loader.loadJar(jar));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "hse4j-load-" + file);
        t.setDaemon(true);
        t.start();
        try {
            return f.get(loadTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.thenAccept(JarLoader::discard);
            LOG.error("loading {} has not finished after {} ms; its thread {} is left behind", file,
                    loadTimeout.toMillis(), t.getName());
            throw new DeployException("getExtensionVersion did not return within " + loadTimeout.toMillis()
                    + " ms (thread " + t.getName() + " is stuck in it)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeployException de) {
                throw de;
            }
            throw new DeployException("failed while loading", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.thenAccept(JarLoader::discard);
            throw new DeployException("interrupted while loading (server stopping)");
        }
    }

    /** @param timeout how long getExtensionVersion (and the whole load of a jar) may take; default 60 s */
    public void loadTimeout(Duration timeout) {
        this.loadTimeout = timeout;
    }

    /**
     * Undeploys every extension of a jar (deleted file): each drains and is unloaded; its URLs answer 404.
     *
     * @param jar the jar
     */
    public void undeploy(Path jar) {
        String file = jar.getFileName().toString();
        synchronized (lockOf(file)) {
            undeployLocked(jar, file);
        }
    }

    private void undeployLocked(Path jar, String file) {
        long attempt = attempts.merge(file, 1L, Long::sum);
        List<Deployment> gone = registry.removeJar(jar);
        HookSink sink = hooks;
        int goneHooks = sink == null ? 0 : sink.removeJar(jar);
        if (goneHooks > 0) {
            LOG.info("undeployed {} admission hook(s) ({} removed); they retire when their connections close",
                    goneHooks, file);
        }
        StringBuilder msg = new StringBuilder("removed");
        for (int i = 0; i < gone.size(); i++) {
            msg.append(i == 0 ? ": " : ", ").append("/ext/").append(gone.get(i).name());
            LOG.info("undeployed /ext/{} ({} removed); it drains and unloads", gone.get(i).name(), file);
        }
        if (!gone.isEmpty()) {
            msg.append(gone.size() == 1 ? " drains and unloads" : " drain and unload");
        }
        if (goneHooks > 0) {
            msg.append(gone.isEmpty() ? ": " : "; ").append(goneHooks).append(" admission hook(s) retire");
        }
        record(new Outcome(file, true, "remove", msg.toString(), Instant.now(), attempt, false));
    }

    /**
     * Deploys (or redeploys) an extension instance from the class path: the extension test kit's way in,
     * through the same settings checks, {@code getExtensionVersion}, registry and outcome as a jar's
     * extension. Its source is {@link JarLoader#classPathSource(Class)}: deploying the same class again
     * replaces it (the old instance drains and is terminated).
     *
     * @param extension the instance
     * @return its deployment, now serving; empty if it failed ({@link #outcome(String)} says why)
     */
    public List<Deployment> deployInstance(dev.hse4j.api.HttpExtension extension) {
        Path source = JarLoader.classPathSource(extension.getClass());
        String file = source.getFileName().toString();
        synchronized (lockOf(file)) {
            long attempt = attempts.merge(file, 1L, Long::sum);
            String action = registry.namesFrom(source).isEmpty() ? "deploy" : "redeploy";
            Deployment d;
            try {
                d = loader.loadInstance(extension);
            } catch (DeployException e) {
                fail(file, action, e.getMessage(), attempt, false);
                return List.of();
            }
            List<Deployment> retired;
            try {
                retired = registry.installAll(List.of(d), source);
            } catch (DeployException e) {
                d.discard();
                fail(file, action, e.getMessage(), attempt, e.nameClash());
                return List.of();
            }
            String done = action.equals("deploy") ? "deployed" : "redeployed";
            LOG.info("{} /ext/{} from the class path ({}): {}", done, d.name(), file, d.version());
            outcomes.put(file, new Outcome(file, true, action, done + " /ext/" + d.name() + " ("
                    + d.version().description() + ")" + (retired.isEmpty() ? "" : "; the previous version drains"),
                    Instant.now(), attempt, false));
            return List.of(d);
        }
    }

    private boolean fail(String file, String action, String reason, long attempt, boolean nameClash) {
        LOG.error("cannot {} {}: {}", action, file, reason);
        record(new Outcome(file, false, action, reason, Instant.now(), attempt, nameClash));
        return false;
    }

    private void record(Outcome o) {
        outcomes.put(o.jar(), o);
        java.util.function.Consumer<Outcome> l = listener;
        if (l != null) {
            l.accept(o);
        }
    }

    /** @param l told of every deploy, redeploy and remove outcome from now on (the metrics), or {@code null} */
    public void outcomeListener(java.util.function.Consumer<Outcome> l) {
        this.listener = l;
    }

    /** @param file a jar's file name @return the outcome of the last attempt on it, or {@code null} */
    public Outcome outcome(String file) {
        return outcomes.get(file);
    }

    /** @param file a jar's file name @return how many deploy, redeploy or remove attempts it had */
    public long attempts(String file) {
        return attempts.getOrDefault(file, 0L);
    }

    /** @return the outcome of the last attempt for each jar seen */
    public Map<String, Outcome> outcomes() {
        return Map.copyOf(outcomes);
    }
}
