package dev.hse4j.server.admission;

import dev.hse4j.server.deploy.HookDeployment;
import dev.hse4j.server.deploy.HookSink;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admission hooks judging new connections, in their documented order: by jar file name, then by their
 * place in the jar. Reads are one volatile load of an immutable array; a deploy swaps the array, so an
 * offer sees either the old or the new set, never a mix. Replaced and removed versions keep the references
 * of the connections they accepted and are remembered (for the status page) until those close.
 */
public final class AdmissionHooks implements HookSink {

    private static final Comparator<HookDeployment> ORDER = Comparator.comparing(HookDeployment::jarName)
            .thenComparingInt(HookDeployment::position);

    private volatile HookDeployment[] active = new HookDeployment[0];
    private final Set<HookDeployment> retiring = ConcurrentHashMap.newKeySet();

    /** @return the hooks judging now, in order */
    HookDeployment[] snapshot() {
        return active;
    }

    @Override
    public synchronized int installAll(Path jar, List<HookDeployment> hooks) {
        List<HookDeployment> next = new ArrayList<>();
        List<HookDeployment> old = new ArrayList<>();
        for (HookDeployment h : active) {
            (h.jar().equals(jar) ? old : next).add(h);
        }
        next.addAll(hooks);
        next.sort(ORDER);
        active = next.toArray(new HookDeployment[0]);
        for (HookDeployment h : old) {
            retiring.add(h);
            h.retire();
        }
        return old.size();
    }

    @Override
    public int removeJar(Path jar) {
        return installAll(jar, List.of());
    }

    @Override
    public List<String> namesFrom(Path jar) {
        List<String> out = new ArrayList<>();
        for (HookDeployment h : active) {
            if (h.jar().equals(jar)) {
                out.add(h.className());
            }
        }
        return out;
    }

    /** @return the hooks judging now, in order */
    public List<HookDeployment> active() {
        return List.of(active);
    }

    /** @return replaced or removed versions whose accepted connections are not all closed yet */
    public List<HookDeployment> retiring() {
        retiring.removeIf(h -> h.state() == HookDeployment.State.TERMINATED);
        List<HookDeployment> out = new ArrayList<>(retiring);
        out.sort(ORDER);
        return out;
    }

    /** Retires every hook (server stop). */
    public synchronized void retireAll() {
        for (HookDeployment h : active) {
            retiring.add(h);
            h.retire();
        }
        active = new HookDeployment[0];
    }
}
