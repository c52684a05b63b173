package dev.hse4j.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.logging.JettyLoggerFactory;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

/** Captures what the server logs (Jetty's SLF4J appender) while still printing it. */
public final class LogCapture implements AutoCloseable {

    private final StdErrAppender appender;
    private final PrintStream previous;
    private final PrintStream sink;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture() {
        JettyLoggerFactory f = (JettyLoggerFactory) LoggerFactory.getILoggerFactory();
        appender = (StdErrAppender) f.getJettyLogger("dev.hse4j").getAppender();
        previous = appender.getStream();
        sink = previous != null ? previous : System.err;
        OutputStream tee = new OutputStream() {
            @Override
            public synchronized void write(int b) {
                captured.write(b);
                sink.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                sink.write(b, off, len);
            }
        };
        appender.setStream(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** @return everything logged since this capture began */
    public synchronized String text() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        appender.setStream(previous);
    }
}
