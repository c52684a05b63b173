package dev.hse4j.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.async.nb.NbWriterExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.testing.RawHttp;
import dev.hse4j.servlet.fixtures.NbHoldExtension;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Response;
import org.apache.catalina.connector.ResponseFacade;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * On Tomcat, what a non-blocking extension writes inside {@code service()} goes into Tomcat's response buffer
 * without a WriteListener (Tomcat's {@code isReady()} is false there until {@code service()} returns): a response
 * written whole by the procedure ends inside {@code service()}, as a plain servlet's does; bytes that do not fit,
 * and a session that outlives {@code service()}, go on through the listener, in order, and reach the client while
 * the session is kept. A servlet {@link Filter} that does not wrap the response notes whether the response has a
 * WriteListener when {@code service()} has returned (Tomcat's own field: the Servlet API does not show it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceCompletionTest {

    /** Tomcat's own asynchronous timeout (the connector's default). */
    static final long TOMCAT_ASYNC_TIMEOUT = 30_000;
    static final long SESSION_TIMEOUT = 20_000;

    @TempDir
    static Path tmp;
    private Tomcat tomcat;
    private HseServlet servlet;
    private int port;
    /** Whether the response had a WriteListener right after {@code service()} returned, by request URI and query. */
    private final Map<String, Boolean> listenerAfterService = new ConcurrentHashMap<>();
    /** The exchange's asynchronous timeout right after {@code service()} returned, by request URI and query. */
    private final Map<String, Long> timeoutAfterService = new ConcurrentHashMap<>();

    @BeforeAll
    void start() throws Exception {
        Path ext = Files.createDirectories(tmp.resolve("extensions"));
        Files.copy(FixtureJars.sample("hello"), ext.resolve("hello.jar"), StandardCopyOption.REPLACE_EXISTING);
        ExtensionJars.jarOf(ext.resolve("nbw.jar"), NbWriterExtension.class);
        ExtensionJars.jarOf(ext.resolve("nbhold.jar"), NbHoldExtension.class);
        servlet = new HseServlet();
        tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createDirectories(tmp.resolve("tomcat")).toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        Context ctx = tomcat.addContext(ThreeHosts.CONTEXT, Files.createDirectories(tmp.resolve("docbase")).toString());
        FilterDef fd = new FilterDef();
        fd.setFilterName("after-service");
        fd.setFilter(new Filter() {
            @Override
            public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
                    throws IOException, ServletException {
                chain.doFilter(req, resp);
                HttpServletRequest r = (HttpServletRequest) req;
                String key = r.getRequestURI() + "?" + r.getQueryString();
                listenerAfterService.put(key, writeListenerOf(resp) != null);
                timeoutAfterService.put(key, r.isAsyncStarted() ? r.getAsyncContext().getTimeout() : -1);
            }
        });
        fd.setAsyncSupported("true");
        ctx.addFilterDef(fd);
        FilterMap fm = new FilterMap();
        fm.setFilterName("after-service");
        fm.addURLPatternDecoded("/*");
        ctx.addFilterMap(fm);
        Wrapper w = Tomcat.addServlet(ctx, "hse4j", servlet);
        w.setAsyncSupported(true);
        w.setLoadOnStartup(1);
        w.addInitParameter(ServletSettings.EXTENSIONS, ext.toString());
        w.addInitParameter(ServletSettings.WORK_DIR, tmp.resolve("work").toString());
        w.addInitParameter(ServletSettings.SESSION_TIMEOUT_MS, String.valueOf(SESSION_TIMEOUT));
        ctx.addServletMappingDecoded("/*", "hse4j");
        tomcat.start();
        port = connector.getLocalPort();
    }

    /** Tomcat's own record of the response's WriteListener (not visible through the Servlet API). */
    static WriteListener writeListenerOf(ServletResponse resp) throws IOException {
        try {
            Field f = ResponseFacade.class.getDeclaredField("response");
            f.setAccessible(true);
            return ((Response) f.get(resp)).getCoyoteResponse().getWriteListener();
        } catch (ReflectiveOperationException e) {
            throw new IOException(e);
        }
    }

    @AfterAll
    void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

    @Test
    void aResponseWrittenWholeByANonBlockingProcedureEndsInsideService() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < 20; i++) {
                String q = "n=" + i;
                RawHttp.Reply r = c.get(ThreeHosts.CONTEXT + "/ext/hello?" + q);
                assertEquals(200, r.status());
                assertEquals("Hello from hse4j!\n", r.text());
                // No WriteListener: the bytes went into Tomcat's buffer inside service() and the exchange ended
                // there; nothing waits for a write dispatch after it.
                assertEquals(false, listenerAfterService.get(ThreeHosts.CONTEXT + "/ext/hello?" + q), "request " + i);
                // Nor the container's timeout backstop (the session timeout + 30 s): Tomcat's default stays.
                assertEquals(TOMCAT_ASYNC_TIMEOUT, timeoutAfterService.get(ThreeHosts.CONTEXT + "/ext/hello?" + q));
            }
        }
    }

    @ParameterizedTest(name = "{0} bytes in writes of {1}")
    @CsvSource({"100, 10", "8192, 1024", "8192, 8192", "8193, 1000", "20000, 20000", "100000, 3000", "300000, 16384"})
    void writesInsideServiceArriveWholeAndInOrderAlsoPastTheBuffer(int total, int chunk) throws Exception {
        String id = UUID.randomUUID().toString();
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Reply r = c.get(ThreeHosts.CONTEXT + "/ext/nbw/write?total=" + total + "&chunk=" + chunk
                    + "&id=" + id);
            assertEquals(200, r.status());
            assertArrayEquals(BindingSuiteTest.pattern(total), r.body());
            // Past Tomcat's 8 KB buffer the listener takes over (the first write that did not fit set it).
            assertEquals(total > 8192, listenerAfterService.get(ThreeHosts.CONTEXT + "/ext/nbw/write?total=" + total
                    + "&chunk=" + chunk + "&id=" + id));
            String result = c.get(ThreeHosts.CONTEXT + "/ext/nbw/result?id=" + id).text();
            assertTrue(result.startsWith("ok " + total + " "), result);
            assertEquals(200, c.get(ThreeHosts.CONTEXT + "/ext/hello").status(), "the connection is kept");
        }
    }

    @Test
    void bytesWrittenInsideServiceReachTheClientWhileTheSessionIsKept() throws Exception {
        String id = UUID.randomUUID().toString();
        try (RawHttp held = new RawHttp(port); RawHttp other = new RawHttp(port)) {
            held.socket().setSoTimeout(15_000);
            held.send("GET " + ThreeHosts.CONTEXT + "/ext/nbhold/hold?id=" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
            // The procedure has returned PENDING: these bytes come only if the binding flushed what it buffered.
            RawHttp.Reply head = held.readHead();
            assertEquals(200, head.status());
            assertEquals("first\n", new String(held.readBytes(6), StandardCharsets.US_ASCII));
            assertEquals(true, listenerAfterService.get(ThreeHosts.CONTEXT + "/ext/nbhold/hold?id=" + id));
            assertEquals(SESSION_TIMEOUT + 30_000, timeoutAfterService.get(ThreeHosts.CONTEXT + "/ext/nbhold/hold?id="
                    + id), "an exchange outliving service() has the container's timeout as a backstop");
            assertEquals("ok", other.get(ThreeHosts.CONTEXT + "/ext/nbhold/finish?id=" + id).text());
            assertEquals("last\n", new String(held.readBytes(5), StandardCharsets.US_ASCII));
            assertEquals(200, held.get(ThreeHosts.CONTEXT + "/ext/hello").status(), "the connection is kept");
        }
    }

    @Test
    void aProcedureFailingAfterWritingInsideServiceGivesNoWholeResponse() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            c.socket().setSoTimeout(15_000);
            c.send("GET " + ThreeHosts.CONTEXT + "/ext/nbhold/short HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Reply head = c.readHead();
            assertEquals(500, head.status());
            assertEquals("0", head.header("content-length"));
            assertEquals("close", head.header("connection"));
            assertTrue(c.closedByServer());
        }
    }
}
