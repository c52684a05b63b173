package dev.hse4j.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * Opens N HTTP/1.1 connections to one server with non-blocking sockets (one selector, one thread), sends
 * one GET on each, and reads every response. Used with a long-running {@code /ext/clock?ms=M} so that all
 * N requests are pending on the server at once.
 *
 * <p>Usage: {@code PendingClient host port path count timeoutSeconds}. Prints progress lines
 * ({@code SENT n}, {@code ALL_SENT}) and finally {@code DONE ok=.. failed=.. ms=..}; exits 0 only if all
 * N responses were 200 within the timeout. At most {@code -Dconnecting=500} connects are in flight at a
 * time (a connect counts as done when the client's handshake completes, which may be before the server
 * accepted it, so the server's accept queue, 4096 for hse4j and the baseline, still sees bursts).
 */
public final class PendingClient {

    private static final int MAX_CONNECTING = Integer.getInteger("connecting", 500);

    private PendingClient() {
    }

    /** Per-connection state: the response bytes seen so far. */
    private static final class Conn {
        final ByteBuffer request;
        final StringBuilder head = new StringBuilder();
        int status = -1;
        long contentLength = -1;
        long bodySeen;
        boolean headDone;

        Conn(byte[] req) {
            request = ByteBuffer.wrap(req);
        }

        /** @return true when the whole response arrived */
        boolean consume(ByteBuffer b) {
            while (b.hasRemaining()) {
                if (!headDone) {
                    head.append((char) (b.get() & 0xff));
                    int n = head.length();
                    if (n >= 4 && head.charAt(n - 1) == '\n' && head.charAt(n - 2) == '\r'
                            && head.charAt(n - 3) == '\n' && head.charAt(n - 4) == '\r') {
                        headDone = true;
                        String h = head.toString();
                        status = Integer.parseInt(h.substring(9, 12));
                        for (String line : h.split("\r\n")) {
                            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                                contentLength = Long.parseLong(line.substring(15).trim());
                            }
                        }
                        if (contentLength == 0) {
                            return true;
                        }
                    }
                } else {
                    int n = b.remaining();
                    b.position(b.limit());
                    bodySeen += n;
                    if (contentLength >= 0 && bodySeen >= contentLength) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static void report(int failed, String why, long t0) {
        if (failed <= 10) {
            System.out.printf("FAILED after %d ms: %s%n", (System.nanoTime() - t0) / 1_000_000, why);
        }
    }

    /** @param args host port path count timeoutSeconds @throws IOException on selector failure */
    public static void main(String[] args) throws IOException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String path = args[2];
        int count = Integer.parseInt(args[3]);
        long deadline = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
        byte[] req = ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        InetSocketAddress addr = new InetSocketAddress(host, port);
        long t0 = System.nanoTime();
        int opened = 0;
        int connecting = 0;
        int sent = 0;
        int ok = 0;
        int failed = 0;
        int reportedSent = 0;
        boolean allSentReported = false;
        ByteBuffer rbuf = ByteBuffer.allocate(16 * 1024);
        try (Selector sel = Selector.open()) {
            while (ok + failed < count && System.nanoTime() < deadline) {
                while (opened < count && connecting < MAX_CONNECTING) {
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    Conn c = new Conn(req);
                    opened++;
                    if (ch.connect(addr)) {
                        ch.register(sel, SelectionKey.OP_WRITE, c);
                    } else {
                        ch.register(sel, SelectionKey.OP_CONNECT, c);
                        connecting++;
                    }
                }
                sel.select(200);
                for (Iterator<SelectionKey> it = sel.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    SocketChannel ch = (SocketChannel) k.channel();
                    Conn c = (Conn) k.attachment();
                    try {
                        if (k.isConnectable()) {
                            connecting--;
                            ch.finishConnect();
                            k.interestOps(SelectionKey.OP_WRITE);
                            continue;
                        }
                        if (k.isWritable()) {
                            ch.write(c.request);
                            if (!c.request.hasRemaining()) {
                                sent++;
                                k.interestOps(SelectionKey.OP_READ);
                            }
                            continue;
                        }
                        if (k.isReadable()) {
                            rbuf.clear();
                            int n = ch.read(rbuf);
                            if (n < 0) {
                                failed++;
                                report(failed, "connection closed before the response was complete: "
                                        + (c.headDone ? "status " + c.status + ", " + c.bodySeen + " body bytes"
                                        : c.head.length() + " head bytes"), t0);
                                k.cancel();
                                ch.close();
                                continue;
                            }
                            rbuf.flip();
                            if (c.consume(rbuf)) {
                                if (c.status == 200) {
                                    ok++;
                                } else {
                                    failed++;
                                    report(failed, "status " + c.status, t0);
                                }
                                k.cancel();
                                ch.close();
                            }
                        }
                    } catch (IOException e) {
                        if (k.isValid() && (k.interestOps() & SelectionKey.OP_CONNECT) != 0) {
                            connecting--;
                        }
                        failed++;
                        k.cancel();
                        ch.close();
                        report(failed, "I/O error: " + e, t0);
                    }
                }
                if (sent - reportedSent >= 1000 || (sent == count && sent != reportedSent)) {
                    reportedSent = sent;
                    System.out.printf("SENT %d after %d ms%n", sent, (System.nanoTime() - t0) / 1_000_000);
                }
                if (!allSentReported && sent + failed >= count) {
                    allSentReported = true;
                    System.out.printf("ALL_SENT %d (failed %d) after %d ms%n", sent, failed,
                            (System.nanoTime() - t0) / 1_000_000);
                }
            }
            for (SelectionKey k : sel.keys()) {
                k.channel().close();
            }
        }
        int missing = count - ok - failed;
        System.out.printf("DONE ok=%d failed=%d missing=%d ms=%d%n", ok, failed, missing,
                (System.nanoTime() - t0) / 1_000_000);
        System.exit(ok == count ? 0 : 1);
    }
}
