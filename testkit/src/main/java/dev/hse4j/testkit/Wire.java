package dev.hse4j.testkit;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.LocalConnector;

/**
 * One client connection to the host, over a loopback socket or Jetty's in-memory {@link LocalConnector}:
 * the client code above it is the same for both.
 */
abstract class Wire implements Closeable {

    /** Sends bytes (each call reaches the server as its own piece). */
    abstract void write(byte[] bytes, int off, int len) throws IOException;

    /** @return the bytes the server sends, in order; -1 once it closed the connection */
    abstract InputStream in();

    /** Half-closes: the server reads end of stream. */
    abstract void shutdownOutput() throws IOException;

    /** Drops the connection at once (an RST on a socket), as a client that goes away. */
    abstract void abort() throws IOException;

    static Wire socket(String host, int port, Duration timeout) throws IOException {
        return new SocketWire(host, port, timeout);
    }

    static Wire local(LocalConnector connector, Duration timeout) {
        return new LocalWire(connector, timeout);
    }

    private static final class SocketWire extends Wire {
        private final Socket socket;
        private final InputStream in;

        SocketWire(String host, int port, Duration timeout) throws IOException {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
        }

        @Override
        void write(byte[] bytes, int off, int len) throws IOException {
            socket.getOutputStream().write(bytes, off, len);
            socket.getOutputStream().flush();
        }

        @Override
        InputStream in() {
            return in;
        }

        @Override
        void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        void abort() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * An in-memory connection. Its output buffer is bounded (64 KB, like a socket's), so a large response
     * waits for the client to read, and a client that goes away mid-response is seen by the server as it
     * would be over the network.
     */
    private static final class LocalWire extends Wire {
        private static final int OUTPUT_BUFFER = 64 * 1024;
        private static final long KICK_MILLIS = 10;
        private final LocalConnector.LocalEndPoint endPoint;
        private final long timeoutMillis;
        private final InputStream in = new InputStream() {
            private ByteBuffer current;

            @Override
            public int read() throws IOException {
                return fill() ? current.get() & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(len, current.remaining());
                current.get(b, off, n);
                return n;
            }

            /** @return false at the end of the stream (the server closed) */
            private boolean fill() throws IOException {
                while (current == null || !current.hasRemaining()) {
                    if (!endPoint.isOpen() || endPoint.isOutputShutdown()) {
                        ByteBuffer last = endPoint.takeOutput(); // what was written before the close
                        if (!last.hasRemaining()) {
                            return false;
                        }
                        current = last;
                        return true;
                    }
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
                    try {
                        current = endPoint.waitForOutput(KICK_MILLIS, TimeUnit.MILLISECONDS);
                        while (current == null) {
                            // ByteArrayEndPoint can lose the wake-up of a flush that found the buffer
                            // full (it is told "taken" before it starts waiting); takeOutput() tells it
                            // again, so a large response never stalls in memory.
                            current = endPoint.takeOutput();
                            if (!current.hasRemaining()) {
                                if (System.nanoTime() > deadline) {
                                    throw new SocketTimeoutException("no response byte within " + timeoutMillis + " ms");
                                }
                                current = endPoint.waitForOutput(KICK_MILLIS, TimeUnit.MILLISECONDS);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the response");
                    }
                }
                return true;
            }
        };

        LocalWire(LocalConnector connector, Duration timeout) {
            this.endPoint = connector.connect(OUTPUT_BUFFER);
            this.timeoutMillis = timeout.toMillis();
        }

        @Override
        void write(byte[] bytes, int off, int len) throws IOException {
            if (!endPoint.isOpen()) {
                throw new IOException("the connection is closed");
            }
            byte[] copy = java.util.Arrays.copyOfRange(bytes, off, off + len);
            // ...AndExecute: the request runs on a server thread, never on the test's (an extension that
            // blocks reading would otherwise block the test that feeds it).
            endPoint.addInputAndExecute(ByteBuffer.wrap(copy));
        }

        @Override
        InputStream in() {
            return in;
        }

        @Override
        void shutdownOutput() {
            endPoint.addInputEOF();
        }

        @Override
        void abort() {
            endPoint.close();
        }

        /**
         * Closes as a socket's close() after a complete response: end of stream to the server, which
         * closes its side when the exchange in progress is over. Closing the endpoint here instead could
         * fail a write whose bytes the client has already read (in memory the client can take them before
         * the server's flush has returned, which a kernel socket buffer never allows).
         */
        @Override
        public void close() {
            try {
                endPoint.addInputEOF();
            } catch (java.io.UncheckedIOException alreadyEnded) {
                // end of stream was already sent
            }
        }
    }
}
