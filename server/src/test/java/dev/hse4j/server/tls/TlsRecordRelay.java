package dev.hse4j.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between a TLS client and the server that reads the plaintext TLS record headers (5 bytes:
 * content type, version, length) of everything the server sends, forwarding every byte unchanged.
 * Records are kept per direction in arrival order; {@link #reset()} starts a new observation.
 */
final class TlsRecordRelay implements AutoCloseable {

    /** One record header seen from the server. @param type content type @param length record length */
    record Rec(int type, int length) {
    }

    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Rec> fromServer = new ArrayList<>();
    private volatile String parseError;
    private volatile boolean closed;

    TlsRecordRelay(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "tls-relay-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    synchronized void reset() {
        fromServer.clear();
        parseError = null;
    }

    synchronized List<Rec> records() {
        return new ArrayList<>(fromServer);
    }

    String parseError() {
        return parseError;
    }

    private synchronized void add(Rec r) {
        fromServer.add(r);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                start("tls-relay-up", () -> pump(client, server, false));
                start("tls-relay-down", () -> pump(server, client, true));
            } catch (IOException e) {
                if (!closed) {
                    parseError = "accept failed: " + e;
                }
                return;
            }
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to, boolean parse) {
        byte[] buf = new byte[256 * 1024];
        byte[] header = new byte[5];
        int headerFill = 0;
        long bodyLeft = 0;
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (parse) {
                    int i = 0;
                    while (i < n) {
                        if (bodyLeft > 0) {
                            int skip = (int) Math.min(bodyLeft, n - i);
                            bodyLeft -= skip;
                            i += skip;
                            continue;
                        }
                        header[headerFill++] = buf[i++];
                        if (headerFill == 5) {
                            headerFill = 0;
                            int type = header[0] & 0xff;
                            int major = header[1] & 0xff;
                            int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                            if (type < 20 || type > 24 || major != 3) {
                                parseError = "not a TLS record header: type " + type + " version " + major + "."
                                        + (header[2] & 0xff);
                            }
                            add(new Rec(type, length));
                            bodyLeft = length;
                        }
                    }
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // a side closed: close the other
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
