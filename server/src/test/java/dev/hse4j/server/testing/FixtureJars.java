package dev.hse4j.server.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Builds extension jars for tests out of classes compiled with the tests (package
 * {@code dev.hse4j.fixtures}, which may use only the API and the JDK), and finds the sample jars.
 */
public final class FixtureJars {

    private FixtureJars() {
    }

    /** @return the directory holding the built sample jars (NAME.jar) */
    public static Path samplesDir() {
        String dir = System.getProperty("hse4j.samples.dir");
        if (dir == null) {
            throw new IllegalStateException("hse4j.samples.dir is not set (run the tests through Maven)");
        }
        return Path.of(dir);
    }

    /** @param name a sample's name @return its jar */
    public static Path sample(String name) {
        Path p = samplesDir().resolve(name + ".jar");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("sample jar missing: " + p);
        }
        return p;
    }

    /**
     * Writes a jar holding {@code classes} (with their nested classes) and a manifest naming them as
     * extensions.
     *
     * @param target the jar to write
     * @param classes extension classes from the test classpath
     * @return {@code target}
     * @throws IOException on write failure
     */
    public static Path jarOf(Path target, Class<?>... classes) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        StringBuilder names = new StringBuilder();
        for (Class<?> c : classes) {
            names.append(names.length() == 0 ? "" : ",").append(c.getName());
        }
        mf.getMainAttributes().putValue("Hse4j-Extension-Class", names.toString());
        Files.createDirectories(target.toAbsolutePath().getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), mf)) {
            for (Class<?> c : classes) {
                addClassWithNested(out, c);
            }
        }
        return target;
    }

    /**
     * Writes a jar whose manifest names {@code className} but which holds the given classes: for jars
     * whose manifest lies.
     */
    public static Path jarWithManifestClass(Path target, String className, Class<?>... classes) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Hse4j-Extension-Class", className);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), mf)) {
            for (Class<?> c : classes) {
                addClassWithNested(out, c);
            }
        }
        return target;
    }

    /** Writes bytes that are not a jar at all. */
    public static Path corrupt(Path target) throws IOException {
        byte[] junk = new byte[4096];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = (byte) (i * 31 + 7);
        }
        junk[0] = 'P';
        junk[1] = 'K';
        Files.write(target, junk);
        return target;
    }

    private static void addClassWithNested(JarOutputStream out, Class<?> c) throws IOException {
        Path classFile = classFile(c);
        Path dir = classFile.getParent();
        String simple = c.getName().substring(c.getName().lastIndexOf('.') + 1);
        String pkgPath = c.getPackageName().replace('.', '/');
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String fn = f.getFileName().toString();
                if (fn.equals(simple + ".class") || fn.startsWith(simple + "$")) {
                    out.putNextEntry(new JarEntry(pkgPath + "/" + fn));
                    try (OutputStream o = new NonClosing(out)) {
                        Files.copy(f, o);
                    }
                    out.closeEntry();
                }
            }
        }
    }

    private static Path classFile(Class<?> c) {
        try {
            return Path.of(c.getResource(c.getSimpleName() + ".class").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
