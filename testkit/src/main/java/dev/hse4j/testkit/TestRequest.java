package dev.hse4j.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A request being built: method, path, headers and a body given whole or in pieces, with a
 * Content-Length or chunked. {@link #send()} sends it and reads the whole response; {@link #start()}
 * sends it on a connection of its own and returns the {@link Exchange} to go on with.
 */
public final class TestRequest {

    private final Hse4jClient client;
    private final String method;
    private final String target;
    private final List<String[]> headers = new ArrayList<>();
    private final List<byte[]> parts = new ArrayList<>();
    private boolean chunked;
    private boolean keepBodyOpen;
    private long contentLength = -1;

    TestRequest(Hse4jClient client, String method, String target) {
        if (method == null || method.isEmpty() || target == null || !target.startsWith("/")) {
            throw new IllegalArgumentException("a method and a path starting with / are needed");
        }
        this.client = client;
        this.method = method;
        this.target = target;
    }

    /**
     * @param name a header name
     * @param value its value
     * @return this
     */
    public TestRequest header(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    /**
     * The whole body, sent in one piece (with a Content-Length unless {@link #chunked()}).
     *
     * @param body the bytes
     * @return this
     */
    public TestRequest body(byte[] body) {
        parts.clear();
        parts.add(body.clone());
        return this;
    }

    /**
     * @param body the body as UTF-8 text
     * @return this
     */
    public TestRequest body(String body) {
        return body(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One more piece of the body: each piece is written to the connection separately (a chunk each
     * when {@link #chunked()}).
     *
     * @param piece the bytes
     * @return this
     */
    public TestRequest part(byte[] piece) {
        parts.add(piece.clone());
        return this;
    }

    /** @return this, sending the body with {@code Transfer-Encoding: chunked} */
    public TestRequest chunked() {
        chunked = true;
        return this;
    }

    /**
     * Declares a Content-Length without giving all the body now: {@link #start()} sends the parts given so
     * far and the test writes the rest through the {@link Exchange}.
     *
     * @param length the Content-Length to send
     * @return this
     */
    public TestRequest contentLength(long length) {
        contentLength = length;
        keepBodyOpen = true;
        return this;
    }

    /**
     * With {@link #chunked()}: {@link #start()} leaves the body open; the test sends more with
     * {@link Exchange#write(byte[])} and ends it with {@link Exchange#endBody()}.
     *
     * @return this
     */
    public TestRequest keepBodyOpen() {
        keepBodyOpen = true;
        return this;
    }

    /**
     * Sends the request on the client's kept-alive connection and reads the whole response.
     *
     * @return the response
     */
    public TestResponse send() {
        if (keepBodyOpen) {
            throw new IllegalStateException("a request with an open body needs start(), not send()");
        }
        return client.sendShared(this);
    }

    /**
     * Sends the request head and the parts given so far on a new connection, ending the body unless it
     * was left open; the response is read through the returned exchange.
     *
     * @return the exchange (close it when done)
     */
    public Exchange start() {
        return client.startOwn(this);
    }

    boolean isChunked() {
        return chunked;
    }

    boolean isHead() {
        return "HEAD".equalsIgnoreCase(method);
    }

    boolean leavesBodyOpen() {
        return keepBodyOpen;
    }

    List<byte[]> parts() {
        return parts;
    }

    byte[] head() {
        StringBuilder sb = new StringBuilder(128);
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        boolean host = false;
        boolean length = false;
        for (String[] h : headers) {
            host |= h[0].equalsIgnoreCase("Host");
            length |= h[0].equalsIgnoreCase("Content-Length") || h[0].equalsIgnoreCase("Transfer-Encoding");
        }
        if (!host) {
            sb.append("Host: localhost\r\n");
        }
        for (String[] h : headers) {
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        if (!length) {
            if (chunked) {
                sb.append("Transfer-Encoding: chunked\r\n");
            } else if (contentLength >= 0) {
                sb.append("Content-Length: ").append(contentLength).append("\r\n");
            } else if (!parts.isEmpty()) {
                long total = 0;
                for (byte[] p : parts) {
                    total += p.length;
                }
                sb.append("Content-Length: ").append(total).append("\r\n");
            }
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The head and a body given in one piece, as one write (what a simple client sends). */
    byte[] headAndSinglePart() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head());
        if (parts.size() == 1 && !chunked) {
            out.writeBytes(parts.get(0));
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return method + " " + target;
    }
}
