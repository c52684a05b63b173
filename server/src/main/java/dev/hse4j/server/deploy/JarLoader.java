package dev.hse4j.server.deploy;

import dev.hse4j.api.AdmissionHook;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.server.strict.StrictPolicy;
import dev.hse4j.server.limits.Bulkhead;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
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
    /** The manifest attribute naming admission hook classes, comma-separated. */
    public static final String HOOK_ATTRIBUTE = "Hse4j-Admission-Hook";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path shadowDir;
    private final int defaultReadAhead;
    private final Duration defaultSessionTimeout;
    private final int defaultMaxConcurrent;
    private final long defaultMaxRequestBody;
    /** The largest read-ahead an extension may ask for: 64 MiB (each request may hold that much). */
    public static final int MAX_READ_AHEAD = 64 * 1024 * 1024;

    private final ClassLoader apiParent = new ApiOnlyClassLoader(HttpExtension.class.getClassLoader());
    private final AtomicLong sequence = new AtomicLong();
    private final LeakWatch leakWatch;
    private volatile ExtensionResources.Factory resources = ExtensionResources.Factory.NONE;
    private volatile StrictPolicy strict;

    /**
     * @param shadowDir where shadow copies go
     * @param defaultReadAhead the server's read-ahead, for extensions that do not set theirs
     * @param defaultSessionTimeout the server's session timeout, likewise
     */
    public JarLoader(Path shadowDir, int defaultReadAhead, Duration defaultSessionTimeout) {
        this(shadowDir, defaultReadAhead, defaultSessionTimeout, null);
    }

    /**
     * @param shadowDir where shadow copies go
     * @param defaultReadAhead the server's read-ahead, for extensions that do not set theirs
     * @param defaultSessionTimeout the server's session timeout, likewise
     * @param leakWatch told of every class loader closed, or {@code null}
     */
    public JarLoader(Path shadowDir, int defaultReadAhead, Duration defaultSessionTimeout, LeakWatch leakWatch) {
        this(shadowDir, defaultReadAhead, defaultSessionTimeout, leakWatch, 0, 0);
    }

    /**
     * @param shadowDir where shadow copies go
     * @param defaultReadAhead the server's read-ahead, for extensions that do not set theirs
     * @param defaultSessionTimeout the server's session timeout, likewise
     * @param leakWatch told of every class loader closed, or {@code null}
     * @param defaultMaxConcurrent the server's bulkhead cap (0 = none), likewise
     * @param defaultMaxRequestBody the server's request-body limit in bytes (0 = none), likewise
     */
    public JarLoader(Path shadowDir, int defaultReadAhead, Duration defaultSessionTimeout, LeakWatch leakWatch,
                     int defaultMaxConcurrent, long defaultMaxRequestBody) {
        this.defaultMaxConcurrent = defaultMaxConcurrent;
        this.defaultMaxRequestBody = defaultMaxRequestBody;
        this.shadowDir = shadowDir;
        this.defaultReadAhead = defaultReadAhead;
        this.defaultSessionTimeout = defaultSessionTimeout;
        this.leakWatch = leakWatch;
    }

    /** @param f opens each loaded extension version's context and outbound connections */
    public void resources(ExtensionResources.Factory f) {
        this.resources = f;
    }

    /**
     * @param policy strict mode: for every extension when it is enabled, else for those whose
     *        {@code @ExtensionSettings(strict = true)} asks; {@code null} for none
     */
    public void strict(StrictPolicy policy) {
        this.strict = policy;
    }

    /** What the checks found in a jar's manifest. */
    private record JarFacts(List<String> extensionClasses, List<String> hookClasses, String implementationVersion) {
    }

    /**
     * What one jar holds, loaded and not yet serving.
     *
     * @param extensions its extensions
     * @param hooks its admission hooks, in manifest order then service-file order
     */
    public record LoadedJar(List<Deployment> extensions, List<HookDeployment> hooks) {
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
        LoadedJar loaded = loadJar(jar);
        if (loaded.extensions().isEmpty()) {
            loaded.hooks().forEach(HookDeployment::discard);
            throw new DeployException("no extension in the jar (only admission hooks)");
        }
        return loaded.extensions();
    }

    /**
     * Loads a jar: its extensions and its admission hooks, all or nothing.
     *
     * @param jar the jar file
     * @return what it holds, not yet serving (at least one extension or hook)
     * @throws DeployException why the jar cannot be used; nothing stays loaded
     */
    public LoadedJar loadJar(Path jar) throws DeployException {
        String fileName = jar.getFileName().toString();
        // Copy first, then check and load the copy: the file in the extensions directory may change at any
        // moment, the copy never does.
        Path shadow = shadowDir.resolve(defaultName(fileName) + "-" + sequence.incrementAndGet() + "-"
                + System.nanoTime() + ".jar");
        String sha256 = shadowCopy(jar, shadow);
        JarFacts facts;
        URLClassLoader loader;
        try {
            facts = checkJar(shadow);
            loader = new URLClassLoader("ext:" + fileName, new URL[] {shadow.toUri().toURL()}, apiParent);
        } catch (DeployException e) {
            deleteQuietly(shadow);
            throw e;
        } catch (IOException e) {
            deleteQuietly(shadow);
            throw new DeployException("cannot open the shadow copy", e);
        }
        List<String> manifestClasses = facts.extensionClasses();
        JarHandle handle = new JarHandle(shadow, loader, fileName, leakWatch, sha256, facts.implementationVersion());
        List<Deployment> loaded = new ArrayList<>();
        List<HookDeployment> hooks = new ArrayList<>();
        try {
            List<HttpExtension> instances = instantiate(loader, manifestClasses);
            List<AdmissionHook> hookInstances = instantiateHooks(loader, facts.hookClasses());
            if (instances.isEmpty() && hookInstances.isEmpty()) {
                throw new DeployException("no extension in the jar: name one in the manifest ("
                        + MANIFEST_ATTRIBUTE + ") or in META-INF/services/" + HttpExtension.class.getName()
                        + " (or an admission hook: " + HOOK_ATTRIBUTE + ")");
            }
            for (AdmissionHook h : hookInstances) {
                hooks.add(new HookDeployment(h, jar, hooks.size(), handle));
            }
            Set<String> names = new LinkedHashSet<>();
            for (HttpExtension ext : instances) {
                Deployment d = initialise(ext, jar, defaultName(fileName), handle);
                if (!names.add(d.name())) {
                    throw new DeployException("two extensions in the jar claim the name '" + d.name() + "'");
                }
                loaded.add(d);
            }
            return new LoadedJar(List.copyOf(loaded), List.copyOf(hooks));
        } catch (DeployException | RuntimeException | Error e) {
            handle.addUser(); // so that the releases below close it exactly once
            for (Deployment d : loaded) {
                d.discard();
            }
            for (HookDeployment h : hooks) {
                h.discard();
            }
            handle.release();
            if (e instanceof DeployException) {
                throw (DeployException) e;
            }
            throw new DeployException("failed while loading", e);
        }
    }

    /** @param late what a load that was given up on produced: dropped, never served */
    static void discard(LoadedJar late) {
        late.extensions().forEach(Deployment::discard);
        late.hooks().forEach(HookDeployment::discard);
    }

    private static JarFacts checkJar(Path jar) throws DeployException {
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
            List<String> hookClasses = new ArrayList<>();
            String implVersion = null;
            if (mf != null) {
                implVersion = mf.getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
                String value = mf.getMainAttributes().getValue(new Attributes.Name(MANIFEST_ATTRIBUTE));
                if (value != null) {
                    for (String c : value.split(",")) {
                        if (!c.isBlank()) {
                            classes.add(c.trim());
                        }
                    }
                }
                String hooks = mf.getMainAttributes().getValue(new Attributes.Name(HOOK_ATTRIBUTE));
                if (hooks != null) {
                    for (String c : hooks.split(",")) {
                        if (!c.isBlank()) {
                            hookClasses.add(c.trim());
                        }
                    }
                }
            }
            return new JarFacts(classes, hookClasses, implVersion);
        } catch (IOException | SecurityException e) {
            throw new DeployException("not a valid jar (" + e.getMessage() + "); if it was still being written, "
                    + "it is tried again when it changes (copy jars in under a dot-name, then rename them)");
        }
    }

    /** Copies {@code jar} to {@code shadow}; returns the SHA-256 of the bytes copied, in hex. */
    private String shadowCopy(Path jar, Path shadow) throws DeployException {
        if (!Files.isRegularFile(jar)) {
            throw new DeployException("not a regular file");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try {
            Files.createDirectories(shadowDir);
            try (InputStream in = new DigestInputStream(Files.newInputStream(jar), sha)) {
                Files.copy(in, shadow, StandardCopyOption.REPLACE_EXISTING);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            deleteQuietly(shadow);
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

    private static List<AdmissionHook> instantiateHooks(ClassLoader loader, List<String> manifestClasses)
            throws DeployException {
        List<AdmissionHook> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String cn : manifestClasses) {
            try {
                Class<? extends AdmissionHook> c = Class.forName(cn, true, loader).asSubclass(AdmissionHook.class);
                if (seen.add(cn)) {
                    out.add(c.getDeclaredConstructor().newInstance());
                }
            } catch (ClassNotFoundException e) {
                throw new DeployException("the manifest (" + HOOK_ATTRIBUTE + ") names " + cn + ", which is not in the jar");
            } catch (ClassCastException e) {
                throw new DeployException(cn + " does not implement " + AdmissionHook.class.getName());
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new DeployException("cannot instantiate the admission hook " + cn,
                        e instanceof java.lang.reflect.InvocationTargetException ? e.getCause() : e);
            }
        }
        try {
            for (ServiceLoader.Provider<AdmissionHook> p : ServiceLoader.load(AdmissionHook.class, loader).stream().toList()) {
                if (seen.add(p.type().getName())) {
                    out.add(p.get());
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new DeployException("bad META-INF/services entry for admission hooks",
                    e.getCause() != null ? e.getCause() : e);
        }
        return out;
    }


    /**
     * Where an extension deployed from the class path comes from, in place of a jar file: its registry
     * owner and the file name the deploy outcome is recorded under ({@code classpath/<class name>}).
     *
     * @param type the extension class
     * @return the pseudo-path
     */
    public static Path classPathSource(Class<?> type) {
        return Path.of("classpath", type.getName());
    }

    /**
     * Deploys an extension instance from the class path (the extension test kit) through the same checks as
     * a jar's extension: {@code @ExtensionSettings}, mount name, {@code getExtensionVersion}. Its default
     * mount name is its simple class name in lower case without a trailing {@code Extension}. Its calls
     * run with a context class loader of its own (a named child of its class's loader), so that threads it
     * starts can be told apart from the server's.
     *
     * @param ext the instance
     * @return its deployment, not yet serving
     * @throws DeployException why it cannot be used
     */
    public Deployment loadInstance(HttpExtension ext) throws DeployException {
        Class<?> type = ext.getClass();
        String simple = type.getSimpleName().isEmpty() ? "extension" : type.getSimpleName();
        if (simple.endsWith("Extension") && simple.length() > "Extension".length()) {
            simple = simple.substring(0, simple.length() - "Extension".length());
        }
        String defaultName = simple.toLowerCase(Locale.ROOT);
        ClassLoader context = new ClassLoader("ext:" + type.getName(), type.getClassLoader()) {
        };
        JarHandle handle = new JarHandle(null, context, type.getName(), null, null,
                type.getPackage() == null ? null : type.getPackage().getImplementationVersion());
        handle.addUser(); // released below: a deployment that fails to initialise leaves nothing to close
        try {
            return initialise(ext, classPathSource(type), defaultName, handle);
        } catch (RuntimeException | Error e) {
            throw new DeployException("failed while loading", e);
        } finally {
            handle.release();
        }
    }

    private Deployment initialise(HttpExtension ext, Path jar, String defaultName, JarHandle handle)
            throws DeployException {
        String className = ext.getClass().getName();
        ExtensionSettings settings = ext.getClass().getAnnotation(ExtensionSettings.class);
        String name = settings != null && !settings.name().isEmpty() ? settings.name() : defaultName;
        if (!NAME.matcher(name).matches()) {
            throw new DeployException("'" + name + "' (" + className + ") is not a valid mount name: use letters, "
                    + "digits and . _ -, at most 64");
        }
        int readAhead = defaultReadAhead;
        Duration timeout = defaultSessionTimeout;
        int maxConcurrent = defaultMaxConcurrent;
        long maxBody = defaultMaxRequestBody;
        if (settings != null) {
            if (settings.maxConcurrentRequests() < -1) {
                throw new DeployException(className + ": maxConcurrentRequests = " + settings.maxConcurrentRequests()
                        + " is out of range (-1 for the server's setting, 0 for no cap, or a positive number)");
            }
            if (settings.maxRequestBodyBytes() < -1) {
                throw new DeployException(className + ": maxRequestBodyBytes = " + settings.maxRequestBodyBytes()
                        + " is out of range (-1 for the server's setting, 0 for no limit, or a positive number)");
            }
            if (settings.maxConcurrentRequests() >= 0) {
                maxConcurrent = settings.maxConcurrentRequests();
            }
            if (settings.maxRequestBodyBytes() >= 0) {
                maxBody = settings.maxRequestBodyBytes();
            }
            if (settings.readAheadBytes() < -1 || settings.readAheadBytes() > MAX_READ_AHEAD) {
                throw new DeployException(className + ": readAheadBytes = " + settings.readAheadBytes()
                        + " is out of range (-1 for the server's setting, or 0 to " + MAX_READ_AHEAD + ")");
            }
            if (settings.sessionTimeoutMillis() < -1 || settings.sessionTimeoutMillis() == 0) {
                throw new DeployException(className + ": sessionTimeoutMillis = " + settings.sessionTimeoutMillis()
                        + " is out of range (-1 for the server's setting, or a positive number of milliseconds)");
            }
            if (settings.readAheadBytes() >= 0) {
                readAhead = settings.readAheadBytes();
            }
            if (settings.sessionTimeoutMillis() > 0) {
                timeout = Duration.ofMillis(settings.sessionTimeoutMillis());
            }
        }
        ExtensionVersion version;
        ExtensionResources res = resources.open(name, handle.loader());
        try {
            version = handle.withContextLoader(() -> {
                ext.attach(res.context());
                return ext.getExtensionVersion();
            });
        } catch (Throwable e) {
            res.close();
            throw new DeployException(className + ".getExtensionVersion threw " + e);
        }
        if (version == null || version.isRefused()) {
            res.close();
            throw new DeployException(className + (version == null ? ".getExtensionVersion returned null"
                    : ".getExtensionVersion refused: " + version.refusalReason()));
        }
        StrictPolicy policy = strict;
        boolean strictAsked = settings != null && settings.strict();
        return new Deployment(name, ext, version, jar, handle, readAhead, timeout, res, new Bulkhead(maxConcurrent),
                maxBody, policy != null && policy.appliesTo(strictAsked) ? policy : null,
                settings != null && settings.redirectRecords(), settings != null && settings.nonBlocking());
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover shadow file is cleaned at the next start
        }
    }
}
