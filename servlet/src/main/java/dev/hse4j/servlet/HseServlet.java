package dev.hse4j.servlet;

import dev.hse4j.server.host.ExtensionHost;
import dev.hse4j.server.host.HostStats;
import dev.hse4j.server.web.StatusHandler;
import dev.hse4j.server.web.Webroot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * hse4j's extension host as a Jakarta Servlet 6.0 servlet (asynchronous: register it with
 * {@code asyncSupported} true). It loads the extension jars of the directory named by the init parameter
 * {@value ServletSettings#EXTENSIONS} the way hse4j's own server does (shadow copies, hot deploy, rollback,
 * drain, leak watch) and serves, under its base path (context path plus servlet path):
 * <ul>
 *   <li>{@code /ext/<name>[/<path-info>]}: the extension, through the same host and I/O state machine as
 *       hse4j's own server, over {@link ServletTransport};</li>
 *   <li>{@code /hse/status.json}, {@code /hse/health} and the status page {@code /status.html}.</li>
 * </ul>
 * Map it to {@code /*} (the WAR does) or to a path prefix such as {@code /isapi/*}.
 */
public class HseServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(HseServlet.class);

    /** SERVER_SOFTWARE inside a container: hse4j's name and the container's. */
    static final String SOFTWARE = "hse4j/0.1.0";

    private transient ExtensionDeployment deployment;
    private transient StatusEndpoints status;
    private transient ServletHost host;
    /** The context path, when every mapping of this servlet puts "/" at it ({@code /*} or {@code /}); else null. */
    private transient String rootBase;

    @Override
    public void init() throws ServletException {
        ServletContext context = getServletContext();
        ServletSettings settings;
        try {
            Object tmp = context.getAttribute(ServletContext.TEMPDIR);
            Path work = tmp instanceof File f ? f.toPath().resolve("hse4j") : null;
            settings = ServletSettings.from(name -> {
                String v = getInitParameter(name);
                if (v == null) {
                    v = context.getInitParameter(name);
                }
                if (v == null) {
                    v = System.getProperty(name); // -Dhse4j.extensions=...
                }
                if (v == null) {
                    v = System.getenv(name.replace('.', '_').toUpperCase(java.util.Locale.ROOT)); // HSE4J_EXTENSIONS
                }
                return v == null ? null : ServletSettings.expand(v);
            }, work);
        } catch (IllegalArgumentException e) {
            LOG.error("hse4j servlet {} is not configured: {}", getServletName(), e.getMessage());
            throw new ServletException("hse4j: " + e.getMessage());
        }
        try {
            Files.createDirectories(settings.workDir());
            deployment = new ExtensionDeployment(settings);
            Webroot webroot = new Webroot(webrootOf(context, settings));
            host = new ServletHost(deployment.registry(), webroot, settings,
                    SOFTWARE + " (" + context.getServerInfo() + ")");
            ObjectNode binding = new ObjectMapper().createObjectNode();
            binding.put("kind", "servlet");
            binding.put("container", context.getServerInfo());
            binding.put("servletApi", context.getEffectiveMajorVersion() + "." + context.getEffectiveMinorVersion());
            binding.put("contextPath", context.getContextPath());
            status = new StatusEndpoints(deployment, host.stats(), binding);
            deployment.start();
        } catch (IOException | RuntimeException e) {
            LOG.error("hse4j servlet {} could not start ({})", getServletName(), settings, e);
            destroy();
            throw new ServletException("hse4j could not start: " + e.getClass().getSimpleName());
        }
        rootBase = mappedAtContextRoot(context, getServletName()) ? context.getContextPath() : null;
        LOG.info("hse4j servlet {} serving {}/ext/ ({})", getServletName(), context.getContextPath(), settings);
    }

    /** @return whether every mapping of the servlet is {@code /*} or {@code /} (mappings are fixed once it runs) */
    static boolean mappedAtContextRoot(ServletContext context, String servletName) {
        jakarta.servlet.ServletRegistration r = context.getServletRegistration(servletName);
        java.util.Collection<String> mappings = r == null ? null : r.getMappings();
        return mappings != null && !mappings.isEmpty()
                && mappings.stream().allMatch(m -> m.equals("/*") || m.equals("/"));
    }

    /** PATH_TRANSLATED's root: the web application's own directory when unpacked, else the work directory. */
    private static Path webrootOf(ServletContext context, ServletSettings settings) throws IOException {
        String real = context.getRealPath("/");
        Path p = real == null ? settings.workDir().resolve("webroot") : Path.of(real);
        Files.createDirectories(p);
        return p;
    }

    /** @return the extension host of this servlet (its counters), or {@code null} before init */
    public HostStats stats() {
        return host == null ? null : host.stats();
    }

    /** @return the deployed extensions (tests read a probe extension's state through it), or {@code null} before init */
    dev.hse4j.server.deploy.ExtensionRegistry registry() {
        return deployment == null ? null : deployment.registry();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // The base once per request: Tomcat builds a new HttpServletMapping on every call.
        String base = baseOf(request);
        String path = pathWithin(request, base);
        if (path.startsWith(ExtensionHost.PREFIX)) {
            host.serve(request, response, path, base);
            return;
        }
        if (StatusEndpoints.claims(path)) {
            String m = request.getMethod();
            if (!m.equals("GET") && !m.equals("HEAD")) {
                response.setHeader("Allow", "GET, HEAD");
                ErrorResponses.send(response, 405, "only GET and HEAD");
                return;
            }
            status.serve(path, base, m.equals("HEAD"), response);
            return;
        }
        ErrorResponses.send(response, 404, path.startsWith(StatusHandler.PREFIX) ? "not found"
                : "nothing is served here: extensions are under " + base + ExtensionHost.PREFIX);
    }

    /**
     * @param base {@link #basePath} of the request
     * @return the request's path below the servlet's mapping, still percent-encoded ("/ext/echo/a%20b")
     */
    static String pathWithin(HttpServletRequest request, String base) {
        String uri = request.getRequestURI();
        String rest = uri.length() >= base.length() ? uri.substring(base.length()) : "";
        return rest.isEmpty() ? "/" : rest;
    }

    /**
     * {@link #basePath}, without asking the container when the servlet is mapped at its context's root and the request
     * names the context as the context itself is named: Tomcat's {@code getContextPath()} decodes and normalises the
     * URI's leading segments on every call and its {@code getHttpServletMapping()} is a new object per call (about
     * 1 µs of a hello's 26 µs, bench/README.md). Any other form ({@code //ctx}, {@code /ctx;p=v}, {@code /c%74x}) is
     * left to the container.
     */
    String baseOf(HttpServletRequest request) {
        String ctx = rootBase;
        if (ctx != null) {
            String uri = request.getRequestURI();
            int n = ctx.length();
            if (uri != null && uri.length() > n && uri.charAt(n) == '/' && uri.startsWith(ctx)) {
                return ctx;
            }
        }
        return basePath(request);
    }

    /** The context path and, for a prefix mapping ({@code /isapi/*}), the servlet path: where "/" is. */
    static String basePath(HttpServletRequest request) {
        HttpServletMapping m = request.getHttpServletMapping();
        String servletPath = m != null && m.getMappingMatch() == MappingMatch.PATH ? request.getServletPath() : "";
        return request.getContextPath() + servletPath;
    }

    @Override
    public void destroy() {
        if (deployment != null) {
            deployment.close();
        }
        if (host != null) {
            host.close();
        }
    }
}
