package dev.hse4j.server.deploy;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the {@link Deployer} puts the admission hooks it loads (the admission layer's hook registry). It
 * lives here, not there, so that deployment does not depend on admission.
 */
public interface HookSink {

    /**
     * Makes a jar's hooks judge new connections, in place of the ones the jar had before (which retire).
     *
     * @param jar the jar (in the extensions directory)
     * @param hooks its hooks, possibly none
     * @return how many earlier versions were retired
     */
    int installAll(Path jar, List<HookDeployment> hooks);

    /**
     * Retires every hook of a jar (deleted file).
     *
     * @param jar the jar
     * @return how many were retired
     */
    int removeJar(Path jar);

    /** @param jar a jar @return the class names of the hooks it has judging now */
    List<String> namesFrom(Path jar);
}
