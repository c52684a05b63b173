package dev.hse4j.server.outbound;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP/1.1 upstream on loopback that records, for every connection, the PROXY header it arrived
 * with (raw bytes, v1 or v2, and the source address parsed from it) and how many requests it carried. It
 * answers each request with {@code src=ADDR:PORT conn=N req=K}, keeps the connection alive unless the
 * request says {@code Connection: close}, and reads (discards) request bodies with a Content-Length.
 */
final class RecordingUpstream implements AutoCloseable {

    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** One upstream connection: its PROXY header (null if none came), the source it names, its requests. */
    static final class Conn {
        volatile byte[] header;
        volatile String source;
        volatile int requests;
        volatile boolean closed;
    }

    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recording-upstream");
        t.setDaemon(true);
        return t;
    });
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    /** When set, requests for {@code /gate...} are answered only once this many of them are waiting at once. */
    volatile CountDownLatch gate;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    RecordingUpstream() throws IOException {
        listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** @return every connection so far, oldest first */
    List<Conn> connections() {
        return List.copyOf(conns);
    }

    /** Closes every connection accepted so far (as an upstream's keep-alive timeout would). */
    void closeConnections() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** @return how many accepted connections are still open on this side */
    long openConnections() {
        return conns.stream().filter(c -> !c.closed).count();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                sockets.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        Conn c = new Conn();
        conns.add(c);
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            readProxyHeader(in, c);
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                c.requests++;
                long length = 0;
                boolean close = false;
                for (String line : head.split("\r\n")) {
                    String l = line.toLowerCase(Locale.ROOT);
                    if (l.startsWith("content-length:")) {
                        length = Long.parseLong(l.substring(15).trim());
                    } else if (l.startsWith("connection:") && l.contains("close")) {
                        close = true;
                    }
                }
                in.skipNBytes(length);
                CountDownLatch g = gate;
                if (g != null && head.startsWith("GET /gate")) { // answer once that many requests are here at once
                    g.countDown();
                    if (!g.await(20, TimeUnit.SECONDS)) {
                        return;
                    }
                }
                byte[] body = ("src=" + c.source + " conn=" + conns.indexOf(c) + " req=" + c.requests + "\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n"
                        + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the peer went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            c.closed = true;
        }
    }

    /** Reads a PROXY v1 or v2 header if the connection starts with one; fails without one. */
    private static void readProxyHeader(InputStream in, Conn c) throws IOException {
        byte[] start = in.readNBytes(12);
        if (Arrays.equals(start, V2)) {
            byte[] fixed = in.readNBytes(4);
            int len = ((fixed[2] & 0xFF) << 8) | (fixed[3] & 0xFF);
            byte[] rest = in.readNBytes(len);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(start);
            all.writeBytes(fixed);
            all.writeBytes(rest);
            c.header = all.toByteArray();
            int family = fixed[1] & 0xFF;
            if (family == 0x11) {
                c.source = InetAddress.getByAddress(Arrays.copyOfRange(rest, 0, 4)).getHostAddress() + ":"
                        + (((rest[8] & 0xFF) << 8) | (rest[9] & 0xFF));
            } else if (family == 0x21) {
                c.source = InetAddress.getByAddress(Arrays.copyOfRange(rest, 0, 16)).getHostAddress() + ":"
                        + (((rest[32] & 0xFF) << 8) | (rest[33] & 0xFF));
            }
            return;
        }
        if (new String(start, 0, Math.min(6, start.length), StandardCharsets.ISO_8859_1).equals("PROXY ")) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            line.writeBytes(start);
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') {
                    break;
                }
            }
            c.header = line.toByteArray();
            String[] f = line.toString(StandardCharsets.ISO_8859_1).trim().split(" ");
            c.source = f.length >= 6 ? f[2] + ":" + f[4] : null;
            return;
        }
        throw new IOException("no PROXY header: " + new String(start, StandardCharsets.ISO_8859_1));
    }

    /** @return the request head without its blank line, or null at the end of the stream */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        int b;
        int state = 0;
        while ((b = in.read()) >= 0) {
            h.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1 : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                String s = h.toString(StandardCharsets.ISO_8859_1);
                return s.substring(0, s.length() - 4);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }
}
