package dev.hse4j.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Compiles Java source strings against the extension API jar, at test time, and packs them into an
 * extension jar. This is how a test gets two versions of the same class with different behaviour (the
 * test classpath can hold only one).
 *
 * <pre>{@code
 * JarCompiler.create()
 *     .source("dev.hse4j.fixtures.DeployV", "package dev.hse4j.fixtures; public final class DeployV ...")
 *     .extension("dev.hse4j.fixtures.DeployV")
 *     .writeTo(dir.resolve("v.jar"));
 * }</pre>
 *
 * The API jar comes from the system property {@code hse4j.api.jar}, which Maven sets (the reactor builds
 * the API module first). Sources may use only the API and the JDK, like a real extension.
 */
public final class JarCompiler {

    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<String> extensions = new ArrayList<>();
    private final Map<String, String> manifest = new LinkedHashMap<>();
    private final Map<String, byte[]> resources = new LinkedHashMap<>();

    private JarCompiler() {
    }

    /** @return a new, empty jar description */
    public static JarCompiler create() {
        return new JarCompiler();
    }

    /** @return the extension API jar to compile against */
    public static Path apiJar() {
        String p = System.getProperty("hse4j.api.jar");
        if (p == null) {
            throw new IllegalStateException("hse4j.api.jar is not set (run the tests through Maven)");
        }
        Path jar = Path.of(p);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the extension API jar " + jar + " does not exist: build extension-api "
                    + "first (mvn verify from the top builds it before the server)");
        }
        return jar;
    }

    /**
     * @param className the fully qualified top-level class name
     * @param source its source
     * @return this
     */
    public JarCompiler source(String className, String source) {
        sources.put(className, source);
        return this;
    }

    /** @param className a class to name in the manifest's {@code Hse4j-Extension-Class} @return this */
    public JarCompiler extension(String className) {
        extensions.add(className);
        return this;
    }

    /** @param name a manifest main attribute @param value its value @return this */
    public JarCompiler manifest(String name, String value) {
        manifest.put(name, value);
        return this;
    }

    /** @param path a resource path in the jar @param text its content @return this */
    public JarCompiler resource(String path, String text) {
        resources.put(path, text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /**
     * Compiles and writes the jar.
     *
     * @param target the jar to write (replaced if it exists)
     * @return {@code target}
     */
    public Path writeTo(Path target) {
        try {
            Path work = Files.createTempDirectory("hse4j-jarcompiler");
            try {
                Path src = Files.createDirectories(work.resolve("src"));
                Path out = Files.createDirectories(work.resolve("classes"));
                List<String> args = new ArrayList<>(List.of("--release", "17", "-nowarn", "-proc:none",
                        "-classpath", apiJar().toString(), "-d", out.toString()));
                for (Map.Entry<String, String> e : sources.entrySet()) {
                    Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
                    Files.createDirectories(f.getParent());
                    Files.writeString(f, e.getValue());
                    args.add(f.toString());
                }
                JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
                if (javac == null) {
                    throw new IllegalStateException("no Java compiler: run the tests on a JDK");
                }
                java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
                int rc = javac.run(null, null, err, args.toArray(new String[0]));
                if (rc != 0) {
                    throw new IllegalStateException("compilation failed:\n" + err.toString(StandardCharsets.UTF_8));
                }
                writeJar(out, target);
                return target;
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeJar(Path classes, Path target) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (!extensions.isEmpty()) {
            mf.getMainAttributes().putValue("Hse4j-Extension-Class", String.join(",", extensions));
        }
        manifest.forEach((k, v) -> mf.getMainAttributes().putValue(k, v));
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(target), mf);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                if (Files.isRegularFile(f)) {
                    jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    jar.write(Files.readAllBytes(f));
                    jar.closeEntry();
                }
            }
            for (Map.Entry<String, byte[]> r : resources.entrySet()) {
                jar.putNextEntry(new JarEntry(r.getKey()));
                jar.write(r.getValue());
                jar.closeEntry();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
