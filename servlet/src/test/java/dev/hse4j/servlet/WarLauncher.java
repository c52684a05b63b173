package dev.hse4j.servlet;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * Runs a WAR file in an embedded Tomcat, in a JVM of its own whose class path holds only Tomcat (so everything
 * hse4j needs must come from the WAR's WEB-INF/lib): {@code WarLauncher <war> <base dir> <port file>}. Writes the
 * port once serving; stops when its standard input closes. Uses nothing but Tomcat and the JDK.
 */
public final class WarLauncher {

    private WarLauncher() {
    }

    public static void main(String[] args) throws Exception {
        Path war = Path.of(args[0]);
        Path base = Files.createDirectories(Path.of(args[1]));
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Files.createDirectories(base.resolve("webapps"));
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP servlet: tomcat-embed-core alone has no Jasper
        tomcat.addWebapp("/hse4j", war.toAbsolutePath().toString());
        tomcat.start();
        Path portFile = Path.of(args[2]);
        Path part = Path.of(args[2] + ".part");
        Files.writeString(part, String.valueOf(connector.getLocalPort()), StandardCharsets.US_ASCII);
        Files.move(part, portFile);
        while (System.in.read() >= 0) {
            // until the test closes our standard input
        }
        tomcat.stop();
        tomcat.destroy();
        File marker = base.resolve("stopped").toFile();
        marker.createNewFile();
    }
}
