package dev.hse4j.server.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 client on one TCP connection from a chosen loopback source address (127.0.0.2,
 * 127.0.0.3...), for the per-address policies.
 */
final class Peer implements AutoCloseable {

    /** One response. */
    record Reply(int status, Map<String, String> headers, String body) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private final SocketException resetAtConnect;

    private Peer(Socket socket, SocketException resetAtConnect) throws IOException {
        this.socket = socket;
        this.resetAtConnect = resetAtConnect;
        this.in = resetAtConnect == null ? new java.io.BufferedInputStream(socket.getInputStream()) : null;
        this.out = resetAtConnect == null ? socket.getOutputStream() : null;
    }

    /** Connects from {@code from} to 127.0.0.1:{@code port}. */
    static Peer connect(String from, int port) throws IOException {
        Socket s = new Socket();
        s.setReuseAddress(true);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true); // before connecting: on a socket the server already reset, setsockopt fails
        s.bind(new InetSocketAddress(from, 0));
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        } catch (SocketException e) {
            // The handshake completed, but the server's reset arrived before connect() looked at the socket.
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return new Peer(s, e);
            }
            throw e;
        }
        return new Peer(s, null);
    }

    Socket socket() {
        return socket;
    }

    void soTimeout(int ms) throws SocketException {
        socket.setSoTimeout(ms);
    }

    /** Sends a keep-alive GET and reads the response. */
    Reply get(String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
        return read();
    }

    void send(String raw) throws IOException {
        if (resetAtConnect != null) {
            throw resetAtConnect;
        }
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    Reply read() throws IOException {
        if (resetAtConnect != null) {
            throw resetAtConnect;
        }
        String status = line();
        if (status == null) {
            throw new java.io.EOFException("closed before a response");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        String body;
        if (headers.containsKey("content-length")) {
            body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                int n = Integer.parseInt(line().trim(), 16);
                if (n == 0) {
                    line();
                    break;
                }
                b.write(in.readNBytes(n));
                line();
            }
            body = b.toString(StandardCharsets.UTF_8);
        } else {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Reply(Integer.parseInt(status.split(" ")[1]), headers, body);
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Asserts the connection serves: a keep-alive request answered 200. */
    void assertServed() throws IOException {
        assertEquals(200, get("/hse/health").status());
    }

    /**
     * Asserts the server reset the connection: a request sent on it is never answered, the read fails
     * with a reset.
     */
    void assertReset() {
        if (resetAtConnect != null) {
            return;
        }
        IOException e = assertThrows(IOException.class, () -> {
            send("GET /hse/health HTTP/1.1\r\nHost: t\r\n\r\n");
            int b = in.read();
            throw new AssertionError("expected a reset, read " + (b < 0 ? "EOF (a graceful close)" : "a byte"));
        });
        String m = String.valueOf(e.getMessage());
        assertTrue(m.contains("reset") || m.contains("Broken pipe"), "expected a reset, got " + e);
    }

    /** Asserts a graceful close: EOF, without a reset and without a byte. */
    void assertClosedGracefully() throws IOException {
        if (resetAtConnect != null) {
            throw new AssertionError("expected a graceful close, got a reset", resetAtConnect);
        }
        assertEquals(-1, in.read(), "a FIN, no data");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
