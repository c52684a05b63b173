package dev.hse4j.server.deploy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
     * The outcome of the last attempt to deploy one jar.
     *
     * @param jar the jar's file name
     * @param ok whether it deployed
     * @param message what was deployed, or why not
     * @param at when
     */
    public record Outcome(String jar, boolean ok, String message, Instant at) {
    }

    private final Path dir;
    private final JarLoader loader;
    private final ExtensionRegistry registry;
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();

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

    /** @param fileName a directory entry @return whether it is a jar to deploy (not a dot-file or temp name) */
    public static boolean isCandidate(String fileName) {
        return fileName.endsWith(".jar") && !fileName.startsWith(".") && !fileName.startsWith("~");
    }

    /** Deploys every jar of the directory, in name order. */
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
        jars.sort(null);
        for (Path jar : jars) {
            deploy(jar);
        }
    }

    /**
     * Deploys (or redeploys) one jar. On failure whatever served before keeps serving.
     *
     * @param jar the jar
     * @return whether it deployed
     */
    public synchronized boolean deploy(Path jar) {
        String file = jar.getFileName().toString();
        List<Deployment> loaded;
        try {
            loaded = loader.load(jar);
        } catch (DeployException e) {
            return fail(file, e.getMessage());
        }
        List<Deployment> installed = new ArrayList<>();
        for (Deployment d : loaded) {
            try {
                registry.install(d, jar);
                installed.add(d);
            } catch (DeployException e) {
                // Installed siblings keep serving: the clash is this extension's alone.
                d.discard();
                fail(file, e.getMessage());
            }
        }
        if (installed.isEmpty()) {
            return false;
        }
        StringBuilder msg = new StringBuilder();
        for (Deployment d : installed) {
            msg.append(msg.length() == 0 ? "" : ", ").append("/ext/").append(d.name()).append(" (")
                    .append(d.version().description()).append(')');
            LOG.info("deployed {} from {}: {}", "/ext/" + d.name(), file, d.version());
        }
        if (installed.size() == loaded.size()) {
            outcomes.put(file, new Outcome(file, true, "deployed " + msg, Instant.now()));
        }
        return installed.size() == loaded.size();
    }

    /**
     * Undeploys every extension of a jar (deleted file).
     *
     * @param jar the jar
     */
    public synchronized void undeploy(Path jar) {
        String file = jar.getFileName().toString();
        for (String name : registry.namesFrom(jar)) {
            registry.remove(name);
            LOG.info("undeployed /ext/{} ({} removed)", name, file);
        }
        outcomes.put(file, new Outcome(file, true, "removed", Instant.now()));
    }

    private boolean fail(String file, String reason) {
        LOG.error("cannot deploy {}: {}", file, reason);
        outcomes.put(file, new Outcome(file, false, reason, Instant.now()));
        return false;
    }

    /** @return the outcome of the last attempt for each jar seen */
    public Map<String, Outcome> outcomes() {
        return Map.copyOf(outcomes);
    }
}
