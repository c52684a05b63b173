package dev.hse4j.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Extension jars made of fixture classes of the server's test jar ({@code dev.hse4j.fixtures}), wherever the
 * class path holds them: a directory (IDE) or the test jar (the reactor build).
 */
final class ExtensionJars {

    private ExtensionJars() {
    }

    static Path jarOf(Path target, Class<?> extension) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Hse4j-Extension-Class", extension.getName());
        Files.createDirectories(target.toAbsolutePath().getParent());
        String prefix = extension.getName().replace('.', '/');
        Path source;
        try {
            source = Path.of(extension.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), mf)) {
            if (Files.isDirectory(source)) {
                Path dir = source.resolve(prefix).getParent();
                String simple = extension.getSimpleName();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        String fn = f.getFileName().toString();
                        if (fn.equals(simple + ".class") || fn.startsWith(simple + "$")) {
                            out.putNextEntry(new JarEntry(source.relativize(f).toString().replace('\\', '/')));
                            Files.copy(f, out);
                            out.closeEntry();
                        }
                    }
                }
            } else {
                try (JarFile jar = new JarFile(source.toFile())) {
                    for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
                        JarEntry e = en.nextElement();
                        if (e.getName().equals(prefix + ".class") || e.getName().startsWith(prefix + "$")) {
                            out.putNextEntry(new JarEntry(e.getName()));
                            try (InputStream in = jar.getInputStream(e)) {
                                in.transferTo(out);
                            }
                            out.closeEntry();
                        }
                    }
                }
            }
        }
        return target;
    }

}
