package dev.hse4j.server.proxy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP relay on loopback between a load balancer and hse4j that keeps a copy of the PROXY v2 header at
 * the start of every connection (read by its length field, independently of hse4j's parser) and forwards
 * every byte unchanged in both directions.
 */
final class HeaderCapturingRelay implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "relay");
        t.setDaemon(true);
        return t;
    });
    private final List<String> headers = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    HeaderCapturingRelay(int upstreamPort) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
        threads.execute(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** @return every header seen so far, as lowercase hex, in arrival order */
    List<String> headers() {
        return List.copyOf(headers);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket in = listener.accept();
                open.add(in);
                threads.execute(() -> relay(in));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(Socket in) {
        try (in; Socket out = new Socket()) {
            open.add(out);
            out.connect(upstream);
            out.setTcpNoDelay(true);
            DataInputStream din = new DataInputStream(in.getInputStream());
            byte[] fixed = new byte[16];
            din.readFully(fixed);
            byte[] header = new byte[16 + (ByteBuffer.wrap(fixed).getShort(14) & 0xFFFF)];
            System.arraycopy(fixed, 0, header, 0, 16);
            din.readFully(header, 16, header.length - 16);
            headers.add(HexFormat.of().formatHex(header));
            out.getOutputStream().write(header);
            threads.execute(() -> pump(out, in));
            pump(in, out);
        } catch (IOException e) {
            // a side went away: the relay ends with it
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buf = new byte[16384];
        try {
            InputStream i = from.getInputStream();
            OutputStream o = to.getOutputStream();
            int n;
            while ((n = i.read(buf)) > 0) {
                o.write(buf, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
    }
}
