package dev.hse4j.server.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which deployment serves which mount name. Lookups are lock-free; a swap is atomic, so a request sees
 * either the old or the new version, never none.
 */
public final class ExtensionRegistry {

    private final Map<String, Deployment> byName = new ConcurrentHashMap<>();

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
    public synchronized void install(Deployment d, java.nio.file.Path expectedJarOwner) throws DeployException {
        Deployment old = byName.get(d.name());
        if (old != null && (expectedJarOwner == null || !old.jar().equals(expectedJarOwner))) {
            throw new DeployException("the name '" + d.name() + "' is already served by " + old.jar().getFileName());
        }
        byName.put(d.name(), d);
        if (old != null) {
            old.retire();
        }
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

    /** @return the deployments now serving, in no particular order */
    public Collection<Deployment> active() {
        return new ArrayList<>(byName.values());
    }

    /** @param jar a source jar @return the names its extensions serve */
    public List<String> namesFrom(java.nio.file.Path jar) {
        List<String> out = new ArrayList<>();
        for (Deployment d : byName.values()) {
            if (d.jar().equals(jar)) {
                out.add(d.name());
            }
        }
        return out;
    }

    /** Retires everything (server stop). */
    public synchronized void retireAll() {
        for (String name : new ArrayList<>(byName.keySet())) {
            remove(name);
        }
    }
}
