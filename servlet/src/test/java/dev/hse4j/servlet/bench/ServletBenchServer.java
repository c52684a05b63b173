package dev.hse4j.servlet.bench;

import dev.hse4j.servlet.HseServlet;
import dev.hse4j.servlet.ServletSettings;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * bench/servlet's server: one Tomcat, two contexts side by side, so both are measured on the same process:
 * {@code /hse4j} ({@link HseServlet} with the extensions of a directory) and {@code /plain}
 * ({@link PlainAsyncServlet}). {@code ServletBenchServer <port> <extensions dir> <work dir>}; prints READY.
 */
public final class ServletBenchServer {

    private ServletBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path work = Files.createDirectories(Path.of(args[2]));
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(work.resolve("tomcat").toString());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxKeepAliveRequests", "-1"); // wrk's connections stay open, for both contexts
        tomcat.setConnector(connector);

        Context hse = tomcat.addContext("/hse4j", Files.createDirectories(work.resolve("docbase-hse4j")).toString());
        Wrapper w = Tomcat.addServlet(hse, "hse4j", new HseServlet());
        w.setAsyncSupported(true);
        w.setLoadOnStartup(1);
        w.addInitParameter(ServletSettings.EXTENSIONS, args[1]);
        w.addInitParameter(ServletSettings.WORK_DIR, work.resolve("hse4j").toString());
        w.addInitParameter(ServletSettings.WATCH, "false");
        hse.addServletMappingDecoded("/*", "hse4j");

        Context plain = tomcat.addContext("/plain", Files.createDirectories(work.resolve("docbase-plain")).toString());
        Wrapper p = Tomcat.addServlet(plain, "plain", new PlainAsyncServlet());
        p.setAsyncSupported(true);
        plain.addServletMappingDecoded("/*", "plain");

        tomcat.start();
        System.out.println("READY " + connector.getLocalPort());
        tomcat.getServer().await();
    }
}
