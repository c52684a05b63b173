package dev.hse4j.servlet;

import dev.hse4j.server.deploy.ExtensionRegistry;
import dev.hse4j.server.host.HostStats;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.TestServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The three hosts the binding's suite runs on: hse4j's own server, {@link HseServlet} in an embedded Tomcat, and
 * {@link HseServlet} in an embedded Jetty 12 ee10, each on an ephemeral loopback port, each loading the same jars
 * from its own extensions directory. The servlet hosts serve under the context path {@value #CONTEXT}.
 */
final class ThreeHosts {

    /** The context path of the servlet hosts. */
    static final String CONTEXT = "/hse4j";

    /** How often each host looks at its extensions directory. */
    static final long SCAN_MS = 100;

    /** Which host. */
    enum Kind { HSE4J, TOMCAT, JETTY_EE10 }

    private ThreeHosts() {
    }

    /** A running host. */
    interface Host extends AutoCloseable {
        Kind kind();

        int port();

        /** @return the path the host's "/" is at: "" for hse4j's server, the context path for the others */
        String base();

        ExtensionRegistry registry();

        HostStats stats();

        Path extensionsDir();

        @Override
        void close() throws Exception;
    }

    /**
     * @param kind which host
     * @param root a fresh directory for it
     * @param samples sample jars by name
     * @param jars more jars
     * @return the started host, with the jars deployed
     */
    static Host start(Kind kind, Path root, List<String> samples, List<Path> jars) throws Exception {
        if (kind == Kind.HSE4J) {
            TestServer.Builder b = TestServer.builder(root).samples(samples.toArray(String[]::new))
                    .config(c -> c.scanInterval(java.time.Duration.ofMillis(SCAN_MS)));
            jars.forEach(b::jar);
            TestServer ts = b.start();
            return new Host() {
                @Override public Kind kind() { return kind; }
                @Override public int port() { return ts.port(); }
                @Override public String base() { return ""; }
                @Override public ExtensionRegistry registry() { return ts.server().registry(); }
                @Override public HostStats stats() { return ts.server().stats(); }
                @Override public Path extensionsDir() { return ts.extensionsDir(); }
                @Override public void close() throws Exception { ts.close(); }
                @Override public String toString() { return kind.name(); }
            };
        }
        Path ext = Files.createDirectories(root.resolve("extensions"));
        for (String s : samples) {
            Files.copy(FixtureJars.sample(s), ext.resolve(s + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
        for (Path j : jars) {
            Files.copy(j, ext.resolve(j.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put(ServletSettings.EXTENSIONS, ext.toString());
        params.put(ServletSettings.WORK_DIR, root.resolve("work").toString());
        params.put(ServletSettings.SESSION_TIMEOUT_MS, "30000");
        params.put(ServletSettings.SCAN_INTERVAL_MS, String.valueOf(SCAN_MS));
        HseServlet servlet = new HseServlet();
        return kind == Kind.TOMCAT ? tomcat(root, servlet, params, ext) : jetty(servlet, params, ext);
    }

    private static Host tomcat(Path root, HseServlet servlet, Map<String, String> params, Path ext)
            throws IOException, LifecycleException {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createDirectories(root.resolve("tomcat")).toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        Context ctx = tomcat.addContext(CONTEXT, Files.createDirectories(root.resolve("docbase")).toString());
        Wrapper w = Tomcat.addServlet(ctx, "hse4j", servlet);
        w.setAsyncSupported(true);
        w.setLoadOnStartup(1);
        params.forEach(w::addInitParameter);
        ctx.addServletMappingDecoded("/*", "hse4j");
        tomcat.start();
        int port = connector.getLocalPort();
        return new ServletHost(Kind.TOMCAT, port, servlet, ext) {
            @Override
            public void close() throws Exception {
                tomcat.stop();
                tomcat.destroy();
            }
        };
    }

    private static Host jetty(HseServlet servlet, Map<String, String> params, Path ext) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler ctx = new ServletContextHandler(CONTEXT);
        ServletHolder h = new ServletHolder("hse4j", servlet);
        h.setAsyncSupported(true);
        h.setInitOrder(1);
        params.forEach(h::setInitParameter);
        ctx.addServlet(h, "/*");
        server.setHandler(ctx);
        server.setStopTimeout(2_000);
        server.start();
        return new ServletHost(Kind.JETTY_EE10, connector.getLocalPort(), servlet, ext) {
            @Override
            public void close() throws Exception {
                server.stop();
            }
        };
    }

    private abstract static class ServletHost implements Host {
        private final Kind kind;
        private final int port;
        private final HseServlet servlet;
        private final Path ext;

        ServletHost(Kind kind, int port, HseServlet servlet, Path ext) {
            this.kind = kind;
            this.port = port;
            this.servlet = servlet;
            this.ext = ext;
        }

        @Override public Kind kind() { return kind; }
        @Override public int port() { return port; }
        @Override public String base() { return CONTEXT; }
        @Override public ExtensionRegistry registry() { return servlet.registry(); }
        @Override public HostStats stats() { return servlet.stats(); }
        @Override public Path extensionsDir() { return ext; }
        @Override public String toString() { return kind.name(); }
    }
}
