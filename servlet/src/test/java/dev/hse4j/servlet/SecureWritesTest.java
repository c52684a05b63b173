package dev.hse4j.servlet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.fixtures.TlsWriteExtension;
import dev.hse4j.server.async.nb.NbWriterExtension;
import dev.hse4j.server.testing.FixtureJars;
import dev.hse4j.server.tls.DevCertificate;
import dev.hse4j.server.tls.KeyMaterial;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Writes on a secure request reach the container in pieces of at most one TLS record (16 KB), in a real container
 * over HTTPS, while the same writes over plain HTTP reach it whole. Each container (embedded Tomcat, Jetty 12 ee10)
 * has an HTTP and an HTTPS connector (a self-signed development certificate made for the test) in front of one
 * {@link HseServlet}; a servlet {@link Filter} wraps the response's {@link ServletOutputStream} and records the size
 * of every write the binding makes to it. A JDK {@link HttpClient} downloads the bodies and checks them byte for
 * byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureWritesTest {

    enum Container { TOMCAT, JETTY_EE10 }

    /** One TLS record's worth of plaintext: the binding's largest write on a secure request. */
    static final int RECORD = 16 * 1024;
    static final int ASYNC_BYTES = 1024 * 1024;
    static final int SYNC_BYTES = 100 * 1024;
    static final char[] PASSWORD = "hse4j-test".toCharArray();

    @TempDir
    static Path tmp;
    final Map<Container, Running> running = new EnumMap<>(Container.class);
    HttpClient client;

    /** A started container: its two ports, the recorder in front of the servlet, and how to stop it. */
    record Running(int http, int https, WriteSizes writes, AutoCloseable stop) {
    }

    @BeforeAll
    void start() throws Exception {
        KeyMaterial km = DevCertificate.loadOrCreate(tmp.resolve("tls"), "127.0.0.1");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("hse4j", km.key(), PASSWORD, km.chain().toArray(Certificate[]::new));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("hse4j", km.chain().get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();

        Path tlsWrite = ExtensionJars.jarOf(tmp.resolve("jars/tlswrite.jar"), TlsWriteExtension.class);
        Path nbWrite = ExtensionJars.jarOf(tmp.resolve("jars/nbw.jar"), NbWriterExtension.class);
        for (Container c : Container.values()) {
            Path root = Files.createDirectories(tmp.resolve(c.name()));
            Path ext = Files.createDirectories(root.resolve("extensions"));
            Files.copy(FixtureJars.sample("vars"), ext.resolve("vars.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(tlsWrite, ext.resolve("tlswrite.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(nbWrite, ext.resolve("nbw.jar"), StandardCopyOption.REPLACE_EXISTING);
            WriteSizes writes = new WriteSizes();
            HseServlet servlet = new HseServlet();
            Map<String, String> params = Map.of(ServletSettings.EXTENSIONS, ext.toString(),
                    ServletSettings.WORK_DIR, root.resolve("work").toString());
            running.put(c, c == Container.TOMCAT ? tomcat(root, servlet, params, writes, keys)
                    : jetty(servlet, params, writes, keys));
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (Running r : running.values()) {
            r.stop().close();
        }
    }

    private static Running tomcat(Path root, HseServlet servlet, Map<String, String> params, WriteSizes writes,
            KeyStore keys) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createDirectories(root.resolve("tomcat")).toString());
        Connector http = new Connector();
        http.setPort(0);
        http.setProperty("address", "127.0.0.1");
        tomcat.setConnector(http);
        Connector https = new Connector();
        https.setPort(0);
        https.setProperty("address", "127.0.0.1");
        https.setProperty("SSLEnabled", "true");
        https.setSecure(true);
        https.setScheme("https");
        SSLHostConfig host = new SSLHostConfig();
        // JSSE, as the JDK client: no native OpenSSL needed on the machine.
        host.setSslProtocol("TLS");
        SSLHostConfigCertificate cert = new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.EC);
        cert.setCertificateKeystore(keys);
        cert.setCertificateKeyAlias("hse4j");
        cert.setCertificateKeystorePassword(new String(PASSWORD));
        cert.setCertificateKeyPassword(new String(PASSWORD));
        host.addCertificate(cert);
        https.addSslHostConfig(host);
        https.setProperty("sslImplementationName", "org.apache.tomcat.util.net.jsse.JSSEImplementation");
        tomcat.getService().addConnector(https);

        Context ctx = tomcat.addContext(ThreeHosts.CONTEXT, Files.createDirectories(root.resolve("docbase")).toString());
        FilterDef fd = new FilterDef();
        fd.setFilterName("writes");
        fd.setFilter(writes);
        fd.setAsyncSupported("true");
        ctx.addFilterDef(fd);
        FilterMap fm = new FilterMap();
        fm.setFilterName("writes");
        fm.addURLPatternDecoded("/*");
        ctx.addFilterMap(fm);
        Wrapper w = Tomcat.addServlet(ctx, "hse4j", servlet);
        w.setAsyncSupported(true);
        w.setLoadOnStartup(1);
        params.forEach(w::addInitParameter);
        ctx.addServletMappingDecoded("/*", "hse4j");
        tomcat.start();
        return new Running(http.getLocalPort(), https.getLocalPort(), writes, () -> {
            tomcat.stop();
            tomcat.destroy();
        });
    }

    private static Running jetty(HseServlet servlet, Map<String, String> params, WriteSizes writes, KeyStore keys)
            throws Exception {
        Server server = new Server();
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(0);
        server.addConnector(http);
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(keys);
        tls.setKeyStorePassword(new String(PASSWORD));
        tls.setKeyManagerPassword(new String(PASSWORD));
        HttpConfiguration secure = new HttpConfiguration();
        secure.setSecureScheme("https");
        // The client connects to an address: no SNI to check.
        secure.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector https = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
                new HttpConnectionFactory(secure));
        https.setHost("127.0.0.1");
        https.setPort(0);
        server.addConnector(https);
        ServletContextHandler ctx = new ServletContextHandler(ThreeHosts.CONTEXT);
        FilterHolder f = new FilterHolder(writes);
        f.setAsyncSupported(true);
        ctx.addFilter(f, "/*", EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
        ServletHolder h = new ServletHolder("hse4j", servlet);
        h.setAsyncSupported(true);
        h.setInitOrder(1);
        params.forEach(h::setInitParameter);
        ctx.addServlet(h, "/*");
        server.setHandler(ctx);
        server.setStopTimeout(2_000);
        server.start();
        return new Running(http.getLocalPort(), https.getLocalPort(), writes, server::stop);
    }

    private HttpResponse<byte[]> get(String scheme, int port, String pathQuery) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + ThreeHosts.CONTEXT
                + pathQuery)).timeout(Duration.ofSeconds(30)).GET().build();
        return client.send(req, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    /** Downloads N pattern bytes written in one extension call; @return the sizes of the binding's writes */
    private List<Integer> download(Running r, boolean secure, String mode, int n) throws Exception {
        String id = UUID.randomUUID().toString();
        HttpResponse<byte[]> resp = get(secure ? "https" : "http", secure ? r.https() : r.http(),
                "/ext/tlswrite?bytes=" + n + "&mode=" + mode + "&id=" + id);
        assertEquals(200, resp.statusCode(), mode + " over " + (secure ? "https" : "http"));
        assertArrayEquals(pattern(n), resp.body(), "the body arrives byte for byte");
        if (mode.equals("async")) {
            // The client can have every byte before the extension's completion has run (it is delivered on another
            // thread once the container says the write is done): wait for it, then check it came once.
            String expected = "completions=1 bytes=" + n + " error=0";
            String[] report = new String[1];
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                report[0] = new String(get("http", r.http(), "/ext/tlswrite?report=" + id).body(),
                        StandardCharsets.US_ASCII);
                return !report[0].startsWith("completions=0 ");
            });
            assertTrue(report[0].startsWith(expected), report[0]);
        }
        List<Integer> sizes = r.writes().of(id);
        assertEquals(n, sizes.stream().mapToLong(Integer::longValue).sum(),
                "the recorded writes carry the whole body: " + sizes);
        return sizes;
    }

    @ParameterizedTest
    @EnumSource(Container.class)
    void aSecureRequestsWritesReachTheContainerInPiecesOfOneTlsRecord(Container c) throws Exception {
        Running r = running.get(c);
        for (String mode : List.of("async", "sync")) {
            int n = mode.equals("async") ? ASYNC_BYTES : SYNC_BYTES;
            List<Integer> secure = download(r, true, mode, n);
            assertTrue(secure.stream().allMatch(s -> s <= RECORD), mode + " over https: " + secure);
            assertEquals((n + RECORD - 1) / RECORD, secure.size(), mode + " over https: " + secure);

            List<Integer> plain = download(r, false, mode, n);
            assertEquals(List.of(n), plain, mode + " over http: one write, not cut");
        }
    }

    /**
     * A non-blocking extension runs on the container's thread, where its synchronous writes go behind (copied,
     * sent once the container is ready): they too reach a secure request's stream in pieces of one TLS record.
     */
    @ParameterizedTest
    @EnumSource(Container.class)
    void aNonBlockingExtensionsWritesBehindAreCutTheSameWay(Container c) throws Exception {
        Running r = running.get(c);
        for (boolean secure : new boolean[] {true, false}) {
            String id = UUID.randomUUID().toString();
            HttpResponse<byte[]> resp = get(secure ? "https" : "http", secure ? r.https() : r.http(),
                    "/ext/nbw/write?total=" + SYNC_BYTES + "&chunk=" + SYNC_BYTES + "&id=" + id);
            assertEquals(200, resp.statusCode());
            assertArrayEquals(pattern(SYNC_BYTES), resp.body(), "the body arrives byte for byte");
            List<Integer> sizes = r.writes().of(id); // before the result request, which has the same id
            String result = new String(get("http", r.http(), "/ext/nbw/result?id=" + id).body(),
                    StandardCharsets.US_ASCII);
            assertTrue(result.startsWith("ok " + SYNC_BYTES), result);
            assertEquals(SYNC_BYTES, sizes.stream().mapToLong(Integer::longValue).sum(), sizes.toString());
            if (secure) {
                assertTrue(sizes.stream().allMatch(s -> s <= RECORD), "over https: " + sizes);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Container.class)
    void theSecureServerVariablesSayOnOverHttpsAndOffOverHttp(Container c) throws Exception {
        Running r = running.get(c);
        assertEquals("on", var("https", r.https(), "HTTPS"));
        assertEquals("1", var("https", r.https(), "SERVER_PORT_SECURE"));
        assertEquals(String.valueOf(r.https()), var("https", r.https(), "SERVER_PORT"));
        assertEquals("off", var("http", r.http(), "HTTPS"));
        assertEquals("0", var("http", r.http(), "SERVER_PORT_SECURE"));
    }

    private String var(String scheme, int port, String name) throws Exception {
        HttpResponse<byte[]> resp = get(scheme, port, "/ext/vars?name=" + name);
        String text = new String(resp.body(), StandardCharsets.UTF_8);
        assertEquals(200, resp.statusCode(), name + ": " + text);
        return text;
    }

    /**
     * Records the size of every write made to a response's output stream, per request (its {@code id} query
     * parameter). The wrapped stream hands everything else (readiness, listener, flush) to the container's.
     */
    static final class WriteSizes implements Filter {
        private final Map<String, List<Integer>> sizes = new ConcurrentHashMap<>();

        List<Integer> of(String id) {
            List<Integer> l = sizes.get(id);
            synchronized (l) {
                return new ArrayList<>(l);
            }
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String id = "GET".equals(((HttpServletRequest) request).getMethod()) ? request.getParameter("id") : null;
            if (id == null) {
                chain.doFilter(request, response);
                return;
            }
            List<Integer> list = Collections.synchronizedList(new ArrayList<>());
            sizes.put(id, list);
            chain.doFilter(request, new HttpServletResponseWrapper((HttpServletResponse) response) {
                private ServletOutputStream out;

                @Override
                public synchronized ServletOutputStream getOutputStream() throws IOException {
                    if (out == null) {
                        out = new Recording(super.getOutputStream(), list);
                    }
                    return out;
                }
            });
        }
    }

    /** A container's output stream that notes the size of each write. */
    private static final class Recording extends ServletOutputStream {
        private final ServletOutputStream out;
        private final List<Integer> sizes;

        Recording(ServletOutputStream out, List<Integer> sizes) {
            this.out = out;
            this.sizes = sizes;
        }

        @Override public boolean isReady() { return out.isReady(); }
        @Override public void setWriteListener(WriteListener l) { out.setWriteListener(l); }
        @Override public void flush() throws IOException { out.flush(); }
        @Override public void close() throws IOException { out.close(); }

        @Override
        public void write(int b) throws IOException {
            sizes.add(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0) {
                sizes.add(len);
            }
            out.write(b, off, len);
        }
    }
}
