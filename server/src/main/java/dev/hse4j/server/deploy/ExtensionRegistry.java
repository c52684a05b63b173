package dev.hse4j.server.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which deployment serves which mount name. Lookups are lock-free; a swap is atomic, so a request sees
 * either the old or the new version, never none. Replaced and removed deployments go to the
 * {@link Retirement}, which drains and unloads them.
 */
public final class ExtensionRegistry {

    private final Map<String, Deployment> byName = new ConcurrentHashMap<>();
    private final Retirement retirement;
    private final Set<String> loadingJars = ConcurrentHashMap.newKeySet();
    private volatile boolean starting = true;

    /** A registry with the default drain timeout (90 s). */
    public ExtensionRegistry() {
        this(new Retirement(Duration.ofSeconds(90)));
    }

    /** @param retirement drains and unloads the deployments this registry retires */
    public ExtensionRegistry(Retirement retirement) {
        this.retirement = retirement;
    }

    /** @return the retirement (draining deployments, drain timeout, leak watch) */
    public Retirement retirement() {
        return retirement;
    }

    /**
     * Takes a reference on the deployment serving {@code name}.
     *
     * @param name the mount name
     * @return the deployment (call {@link Deployment#release()} when the request ends), or {@code null}
     */
    public Deployment acquire(String name) {
        while (true) {
            Deployment d = byName.get(name);
            if (d == null) {
                return null;
            }
            if (d.tryAcquire()) {
                return d;
            }
            if (byName.get(name) == d) {
                return null; // retired and not replaced: nothing serves the name any more
            }
            // replaced between the two reads: look again
        }
    }

    /**
     * Makes a deployment serve its name, retiring the one it replaces, if any.
     *
     * @param d the new deployment
     * @param expectedJarOwner the jar allowed to own the name already ({@code null}: only a free name)
     * @throws DeployException if another jar's extension serves the name
     */
    public void install(Deployment d, Path expectedJarOwner) throws DeployException {
        installAll(List.of(d), expectedJarOwner);
    }

    /**
     * Makes the extensions of one jar serve, all or none: if any name is served by another jar, nothing
     * changes. Each replaced deployment is retired, and so is any deployment of {@code jar} whose name the
     * new version no longer has.
     *
     * @param ds the new deployments, all loaded from {@code jar}
     * @param jar the jar they come from
     * @return the deployments retired
     * @throws DeployException if another jar's extension serves one of the names
     */
    public synchronized List<Deployment> installAll(List<Deployment> ds, Path jar) throws DeployException {
        Set<String> names = new HashSet<>();
        for (Deployment d : ds) {
            Deployment old = byName.get(d.name());
            if (old != null && (jar == null || !old.jar().equals(jar))) {
                throw new DeployException("the name '" + d.name() + "' is already served by "
                        + old.jar().getFileName(), true);
            }
            names.add(d.name());
        }
        List<Deployment> retired = new ArrayList<>();
        for (Deployment d : ds) {
            d.attach(retirement);
            Deployment old = byName.put(d.name(), d);
            if (old != null) {
                retired.add(old);
            }
        }
        if (jar != null) {
            for (String stale : namesFrom(jar)) {
                if (!names.contains(stale)) {
                    retired.add(byName.remove(stale));
                }
            }
        }
        for (Deployment old : retired) {
            old.retire();
        }
        return retired;
    }

    /**
     * Stops serving a name; its deployment drains and terminates.
     *
     * @param name the mount name
     * @return the retired deployment, or {@code null}
     */
    public synchronized Deployment remove(String name) {
        Deployment d = byName.remove(name);
        if (d != null) {
            d.retire();
        }
        return d;
    }

    /**
     * Stops serving every extension of a jar.
     *
     * @param jar the jar (deleted)
     * @return the retired deployments
     */
    public synchronized List<Deployment> removeJar(Path jar) {
        List<Deployment> out = new ArrayList<>();
        for (String name : namesFrom(jar)) {
            out.add(remove(name));
        }
        return out;
    }

    /** @return the deployments now serving, in no particular order */
    public Collection<Deployment> active() {
        return new ArrayList<>(byName.values());
    }

    /** @return the deployment serving {@code name}, or {@code null} (no reference taken) */
    public Deployment serving(String name) {
        return byName.get(name);
    }

    /** @return replaced or removed deployments still draining or unloading, oldest first */
    public List<Deployment> retiring() {
        return retirement.retiring();
    }

    /** @param jar a source jar @return the names its extensions serve */
    public List<String> namesFrom(Path jar) {
        List<String> out = new ArrayList<>();
        for (Deployment d : byName.values()) {
            if (d.jar().equals(jar)) {
                out.add(d.name());
            }
        }
        out.sort(null);
        return out;
    }

    /** @param jarFile a jar file name whose load begins */
    void loadingStarted(String jarFile) {
        loadingJars.add(jarFile);
    }

    /** @param jarFile a jar file name whose load has ended (deployed or not) */
    void loadingEnded(String jarFile) {
        loadingJars.remove(jarFile);
    }

    /** The server's start-up deploys are done: from now on only a jar being loaded makes a name "loading". */
    public void startupDone() {
        starting = false;
    }

    /** @return whether the start-up deploys are still running */
    public boolean starting() {
        return starting;
    }

    /** @return the jar file names being loaded now, sorted */
    public List<String> loading() {
        List<String> out = new ArrayList<>(loadingJars);
        out.sort(null);
        return out;
    }

    /**
     * Whether a name nothing serves may be served shortly: the server is still loading its extensions (a
     * jar may name itself with {@code @ExtensionSettings}), or {@code <name>.jar} is loading now.
     *
     * @param name a mount name
     * @return whether to answer 503 with Retry-After rather than 404
     */
    public boolean isLoading(String name) {
        return starting || loadingJars.contains(name + ".jar");
    }

    /** Retires everything (server stop). */
    public synchronized void retireAll() {
        for (String name : new ArrayList<>(byName.keySet())) {
            remove(name);
        }
    }
}
