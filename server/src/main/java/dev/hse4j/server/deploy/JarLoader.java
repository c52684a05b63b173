package dev.hse4j.server.deploy;

import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HttpExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * Turns a jar file into deployments: checks it, copies it to a private shadow file (so the user may
 * overwrite or delete the original at any time), gives it its own class loader, finds its extensions and
 * calls each one's {@code getExtensionVersion}. Either every extension of the jar loads or none does.
 */
public final class JarLoader {

    /** The manifest attribute naming extension classes, comma-separated. */
    public static final String MANIFEST_ATTRIBUTE = "Hse4j-Extension-Class";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path shadowDir;
    private final int defaultReadAhead;
    private final Duration defaultSessionTimeout;
    private final ClassLoader apiParent = new ApiOnlyClassLoader(HttpExtension.class.getClassLoader());
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param shadowDir where shadow copies go
     * @param defaultReadAhead the server's read-ahead, for extensions that do not set theirs
     * @param defaultSessionTimeout the server's session timeout, likewise
     */
    public JarLoader(Path shadowDir, int defaultReadAhead, Duration defaultSessionTimeout) {
        this.shadowDir = shadowDir;
        this.defaultReadAhead = defaultReadAhead;
        this.defaultSessionTimeout = defaultSessionTimeout;
    }

    /** @param fileName a jar's file name @return the default mount name: the name without {@code .jar} */
    static String defaultName(String fileName) {
        String n = fileName;
        if (n.toLowerCase(Locale.ROOT).endsWith(".jar")) {
            n = n.substring(0, n.length() - 4);
        }
        return n;
    }

    /**
     * Loads a jar.
     *
     * @param jar the jar file
     * @return its deployments, not yet serving
     * @throws DeployException why the jar cannot be used; nothing stays loaded
     */
    public List<Deployment> load(Path jar) throws DeployException {
        String fileName = jar.getFileName().toString();
        List<String> manifestClasses = checkJar(jar);
        Path shadow = shadowCopy(jar, fileName);
        URLClassLoader loader;
        try {
            loader = new URLClassLoader("ext:" + fileName, new URL[] {shadow.toUri().toURL()}, apiParent);
        } catch (IOException e) {
            deleteQuietly(shadow);
            throw new DeployException("cannot open the shadow copy", e);
        }
        JarHandle handle = new JarHandle(shadow, loader);
        List<Deployment> loaded = new ArrayList<>();
        try {
            List<HttpExtension> instances = instantiate(loader, manifestClasses);
            if (instances.isEmpty()) {
                throw new DeployException("no extension in the jar: name one in the manifest ("
                        + MANIFEST_ATTRIBUTE + ") or in META-INF/services/" + HttpExtension.class.getName());
            }
            Set<String> names = new LinkedHashSet<>();
            for (HttpExtension ext : instances) {
                Deployment d = initialise(ext, jar, fileName, handle);
                if (!names.add(d.name())) {
                    throw new DeployException("two extensions in the jar claim the name '" + d.name() + "'");
                }
                loaded.add(d);
            }
            return loaded;
        } catch (DeployException | RuntimeException | Error e) {
            handle.addUser(); // so that the releases below close it exactly once
            for (Deployment d : loaded) {
                d.discard();
            }
            handle.release();
            if (e instanceof DeployException) {
                throw (DeployException) e;
            }
            throw new DeployException("failed while loading", e);
        }
    }

    private List<String> checkJar(Path jar) throws DeployException {
        if (!Files.isRegularFile(jar)) {
            throw new DeployException("not a regular file");
        }
        try (JarFile jf = new JarFile(jar.toFile(), true)) {
            // Read every entry: a truncated or corrupt jar fails here, not at the first request.
            byte[] scratch = new byte[8192];
            Enumeration<JarEntry> entries = jf.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                try (InputStream in = jf.getInputStream(e)) {
                    while (in.read(scratch) >= 0) {
                        // drain
                    }
                }
            }
            Manifest mf = jf.getManifest();
            List<String> classes = new ArrayList<>();
            if (mf != null) {
                String value = mf.getMainAttributes().getValue(new Attributes.Name(MANIFEST_ATTRIBUTE));
                if (value != null) {
                    for (String c : value.split(",")) {
                        if (!c.isBlank()) {
                            classes.add(c.trim());
                        }
                    }
                }
            }
            return classes;
        } catch (IOException | SecurityException e) {
            throw new DeployException("not a valid jar (" + e.getMessage() + ")");
        }
    }

    private Path shadowCopy(Path jar, String fileName) throws DeployException {
        try {
            Files.createDirectories(shadowDir);
            Path shadow = shadowDir.resolve(defaultName(fileName) + "-" + sequence.incrementAndGet() + "-"
                    + System.nanoTime() + ".jar");
            Files.copy(jar, shadow, StandardCopyOption.REPLACE_EXISTING);
            return shadow;
        } catch (IOException e) {
            throw new DeployException("cannot make the shadow copy", e);
        }
    }

    private static List<HttpExtension> instantiate(ClassLoader loader, List<String> manifestClasses)
            throws DeployException {
        List<HttpExtension> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String cn : manifestClasses) {
            try {
                Class<? extends HttpExtension> c = Class.forName(cn, true, loader).asSubclass(HttpExtension.class);
                out.add(c.getDeclaredConstructor().newInstance());
                seen.add(cn);
            } catch (ClassNotFoundException e) {
                throw new DeployException("the manifest names " + cn + ", which is not in the jar");
            } catch (ClassCastException e) {
                throw new DeployException(cn + " does not implement " + HttpExtension.class.getName());
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new DeployException("cannot instantiate " + cn, e instanceof java.lang.reflect.InvocationTargetException
                        ? e.getCause() : e);
            }
        }
        try {
            for (ServiceLoader.Provider<HttpExtension> p : ServiceLoader.load(HttpExtension.class, loader).stream().toList()) {
                if (seen.add(p.type().getName())) {
                    out.add(p.get());
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new DeployException("bad META-INF/services entry", e.getCause() != null ? e.getCause() : e);
        }
        return out;
    }

    private Deployment initialise(HttpExtension ext, Path jar, String fileName, JarHandle handle)
            throws DeployException {
        String className = ext.getClass().getName();
        ExtensionSettings settings = ext.getClass().getAnnotation(ExtensionSettings.class);
        String name = settings != null && !settings.name().isEmpty() ? settings.name() : defaultName(fileName);
        if (!NAME.matcher(name).matches()) {
            throw new DeployException("'" + name + "' (" + className + ") is not a valid mount name: use letters, "
                    + "digits and . _ -, at most 64");
        }
        int readAhead = settings != null && settings.readAheadBytes() >= 0 ? settings.readAheadBytes() : defaultReadAhead;
        Duration timeout = settings != null && settings.sessionTimeoutMillis() > 0
                ? Duration.ofMillis(settings.sessionTimeoutMillis()) : defaultSessionTimeout;
        ExtensionVersion version;
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(handle.loader());
        try {
            version = ext.getExtensionVersion();
        } catch (Throwable e) {
            throw new DeployException(className + ".getExtensionVersion threw " + e);
        } finally {
            t.setContextClassLoader(previous);
        }
        if (version == null) {
            throw new DeployException(className + ".getExtensionVersion returned null");
        }
        if (version.isRefused()) {
            throw new DeployException(className + ".getExtensionVersion refused: " + version.refusalReason());
        }
        return new Deployment(name, ext, version, jar, handle, readAhead, timeout);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover shadow file is cleaned at the next start
        }
    }
}
