import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keep-alive load straight at hse4j, without a balancer: C connections, each sending a PROXY v2 header
 * first (when asked) and then GET requests back to back for the given seconds. Isolates what the header
 * costs the server from what the balancer does with its backend connections.
 *
 *   java DirectLoad.java PORT proxy|plain CONNECTIONS SECONDS PATH
 *
 * Prints "RESULT requests=N seconds=S errors=E".
 */
public final class DirectLoad {
    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        boolean proxy = a[1].equals("proxy");
        int conns = Integer.parseInt(a[2]);
        double seconds = Double.parseDouble(a[3]);
        byte[] req = ("GET " + a[4] + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        LongAdder done = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] threads = new Thread[conns];
        for (int i = 0; i < conns; i++) {
            int n = i;
            threads[i] = new Thread(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setTcpNoDelay(true);
                    OutputStream o = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
                    if (proxy) {
                        o.write(v2Header(40000 + n, port));
                    }
                    while (!stop.get()) {
                        o.write(req);
                        readResponse(in);
                        done.increment();
                    }
                } catch (IOException e) {
                    errors.increment();
                }
            });
        }
        long t0 = System.nanoTime();
        for (Thread t : threads) {
            t.start();
        }
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        long t1 = System.nanoTime();
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("RESULT requests=%d seconds=%.3f errors=%d%n", done.sum(), (t1 - t0) / 1e9, errors.sum());
    }

    /** v2, PROXY, TCP4 192.0.2.x:sport -> 127.0.0.1:dport, plus a CRC32C TLV (as HAProxy's crc32c option). */
    static byte[] v2Header(int sport, int dport) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + 12 + 7);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x11).putShort((short) (12 + 7));
        b.put(new byte[] {(byte) 192, 0, 2, (byte) (sport % 250 + 1)}).put(new byte[] {127, 0, 0, 1});
        b.putShort((short) sport).putShort((short) dport);
        b.put((byte) 0x03).putShort((short) 4).putInt(0);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.array());
        b.putInt(b.capacity() - 4, (int) crc.getValue());
        return b.array();
    }

    static void readResponse(InputStream in) throws IOException {
        int len = 0;
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException();
            }
            if (c == '\n') {
                String l = line.toString().trim();
                line.setLength(0);
                if (l.isEmpty()) {
                    break;
                }
                if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
                    len = Integer.parseInt(l.substring(15).trim());
                }
            } else {
                line.append((char) c);
            }
        }
        for (int i = 0; i < len; i++) {
            if (in.read() < 0) {
                throw new EOFException();
            }
        }
    }
}
