package dev.hse4j.servlet;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import org.junit.jupiter.api.Test;

/**
 * The binding hands buffers without an accessible array to Tomcat's and Jetty's streams as they are (no copy):
 * their {@code write(ByteBuffer)} is found. The bytes themselves are checked end to end by
 * {@link BindingSuiteTest#streamSampleSendsTheDocumentedPattern} (the stream sample writes read-only buffers).
 */
class BufferWritesTest {

    @Test
    void tomcatsAndJettysStreamsTakeByteBuffersAndAPlainStreamDoesNot() {
        BufferWrites w = new BufferWrites();
        assertNotNull(w.of(org.apache.catalina.connector.CoyoteOutputStream.class));
        assertNotNull(w.of(org.eclipse.jetty.ee10.servlet.HttpOutput.class));
        assertNull(w.of(Plain.class), "a Servlet 6.0 stream without write(ByteBuffer): copied");
    }

    /** A stream with only the Servlet 6.0 methods (as a filter's wrapper usually is). */
    public static final class Plain extends ServletOutputStream {
        @Override public boolean isReady() { return true; }
        @Override public void setWriteListener(WriteListener l) { }
        @Override public void write(int b) { }
    }
}
