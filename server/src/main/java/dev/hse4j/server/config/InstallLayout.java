package dev.hse4j.server.config;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.function.Function;

/**
 * Where the default {@code extensions} and {@code webroot} directories are when the flags do not say: in the
 * working directory if it has them (as in a checkout's root), otherwise in hse4j's installation directory.
 * The installation directory is {@code $HSE4J_HOME}, or else the first of the running jar's directory and
 * its two parents that has an {@code extensions} or {@code webroot} directory (a checkout's
 * {@code server/target/hse4j-server.jar} finds the checkout's root). So the server started from anywhere
 * serves what the build put next to it.
 *
 * @param cwd the working directory
 * @param home the installation directory, or {@code null} if none was found
 */
public record InstallLayout(Path cwd, Path home) {

    /** The environment variable naming the installation directory. */
    public static final String HOME_ENV = "HSE4J_HOME";

    /** @return the layout of this process: its working directory, and its environment and jar for the home */
    public static InstallLayout current() {
        return of(Path.of("").toAbsolutePath(), System::getenv, runningJar());
    }

    /**
     * @param cwd the working directory
     * @param env the environment
     * @param jar the running jar, or {@code null} when not run from one
     * @return the layout
     */
    public static InstallLayout of(Path cwd, Function<String, String> env, Path jar) {
        String h = env.apply(HOME_ENV);
        if (h != null && !h.isBlank()) {
            return new InstallLayout(cwd, Path.of(h).toAbsolutePath());
        }
        Path dir = jar == null ? null : jar.toAbsolutePath().getParent();
        for (int i = 0; i < 3 && dir != null; i++, dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("extensions")) || Files.isDirectory(dir.resolve("webroot"))) {
                return new InstallLayout(cwd, dir);
            }
        }
        return new InstallLayout(cwd, null);
    }

    /**
     * @param name {@code extensions} or {@code webroot}
     * @return {@code ./name} if the working directory has it, else the installation directory's if that has
     *         it, else {@code ./name} (the server then warns that it is missing)
     */
    public Path defaultDir(String name) {
        Path here = Path.of(name);
        if (Files.isDirectory(cwd.resolve(name)) || home == null || !Files.isDirectory(home.resolve(name))) {
            return here;
        }
        return home.resolve(name);
    }

    private static Path runningJar() {
        try {
            CodeSource cs = InstallLayout.class.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) {
                return null;
            }
            Path p = Path.of(cs.getLocation().toURI());
            return Files.isRegularFile(p) ? p : null; // classes directory: not an installation
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }
}
