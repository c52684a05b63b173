package dev.hse4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One request in progress on a connection of its own: send more of the body, read the response as it
 * comes (head, then the body in pieces), or go away in the middle ({@link #abort()}). Holding an
 * exchange open is how a test holds a PENDING request while it looks at the server.
 *
 * <p>Methods throw {@link UncheckedIOException} for I/O failures, so tests stay short.
 */
public final class Exchange implements AutoCloseable {

    private final Wire wire;
    private final boolean chunked;
    private final boolean head;
    private final ResponseReader reader;
    private boolean bodyEnded;
    private TestResponse responseHead;

    Exchange(Wire wire, boolean chunked, boolean head) {
        this.wire = wire;
        this.chunked = chunked;
        this.head = head;
        this.reader = new ResponseReader(wire.in());
    }

    void sendRaw(byte[] bytes) {
        try {
            wire.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends one more piece of the request body (as one chunk if the request is chunked). Each piece
     * reaches the server separately.
     *
     * @param piece the bytes
     * @return this
     */
    public Exchange write(byte[] piece) {
        if (bodyEnded) {
            throw new IllegalStateException("the request body was already ended");
        }
        if (piece.length == 0) {
            return this;
        }
        if (chunked) {
            byte[] size = (Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] framed = new byte[size.length + piece.length + 2];
            System.arraycopy(size, 0, framed, 0, size.length);
            System.arraycopy(piece, 0, framed, size.length, piece.length);
            framed[framed.length - 2] = '\r';
            framed[framed.length - 1] = '\n';
            sendRaw(framed);
        } else {
            sendRaw(piece);
        }
        return this;
    }

    /**
     * Sends a piece of text (UTF-8).
     *
     * @param piece the text
     * @return this
     */
    public Exchange write(String piece) {
        return write(piece.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Ends the request body (the last chunk of a chunked body; nothing for a body with a Content-Length).
     *
     * @return this
     */
    public Exchange endBody() {
        if (!bodyEnded) {
            bodyEnded = true;
            if (chunked) {
                sendRaw("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return this;
    }

    /**
     * Reads the status line and headers (once; later calls return the same).
     *
     * @return the response without its body
     */
    public TestResponse readHead() {
        if (responseHead == null) {
            try {
                responseHead = reader.readHead(head);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return responseHead;
    }

    /**
     * Reads up to {@code max} body bytes as they arrive (at least one, unless the body is over).
     *
     * @param max the most bytes to read
     * @return the bytes; empty once the body is over
     */
    public byte[] readBody(int max) {
        readHead();
        try {
            return reader.readBody(max);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads exactly {@code n} body bytes (fewer only if the body ends first).
     *
     * @param n how many
     * @return the bytes
     */
    public byte[] readBodyBytes(int n) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n);
        while (out.size() < n) {
            byte[] b = readBody(n - out.size());
            if (b.length == 0) {
                break;
            }
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** @return whether the whole response body has been read */
    public boolean bodyComplete() {
        return responseHead != null && reader.bodyDone();
    }

    /**
     * Reads the whole response (what is left of it).
     *
     * @return the response; its body is what had not been read yet
     */
    public TestResponse response() {
        TestResponse h = readHead();
        try {
            return h.withBody(reader.readRest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * After the response: whether the server closes the connection (reads end of stream within the
     * client's timeout, or throws if neither a byte nor the end came).
     *
     * @return true if the server closed the connection
     */
    public boolean serverClosed() {
        try {
            return reader.atEof();
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** Goes away at once, mid-request or mid-response, as a client whose user closed the tab. */
    public void abort() {
        try {
            wire.abort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Half-closes the connection: the server reads end of stream. */
    public void shutdownOutput() {
        try {
            wire.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Closes the connection: gracefully once the whole response was read, else abruptly (a client that
     * leaves with part of the response unread resets the connection).
     */
    @Override
    public void close() {
        if (!bodyComplete()) {
            abort();
            return;
        }
        try {
            wire.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
