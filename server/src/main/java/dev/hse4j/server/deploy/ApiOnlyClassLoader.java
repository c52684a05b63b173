package dev.hse4j.server.deploy;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * The parent of every extension class loader: it shows the JDK (through the platform loader) and the
 * {@code dev.hse4j.api} package, and nothing of the server, Jetty or their libraries. An extension that
 * bundles a library gets its own copy; two extensions may bundle different versions of one library.
 */
final class ApiOnlyClassLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    private static final String API_PACKAGE = "dev.hse4j.api.";
    private static final String API_RESOURCES = "dev/hse4j/api/";

    private final ClassLoader apiLoader;

    ApiOnlyClassLoader(ClassLoader apiLoader) {
        super("hse4j-api", ClassLoader.getPlatformClassLoader());
        this.apiLoader = apiLoader;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(API_PACKAGE)) {
            return apiLoader.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return name.startsWith(API_RESOURCES) ? apiLoader.getResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return name.startsWith(API_RESOURCES) ? apiLoader.getResources(name)
                : name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
    }
}
