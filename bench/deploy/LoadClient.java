import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small closed-loop HTTP/1.1 load generator for the hot-deployment benchmark (no dependencies:
 * {@code java LoadClient.java ...}). Each of C connections sends GET PATH, reads the whole response, checks
 * it, and sends the next, for S seconds. Every response that is not a 200 with the expected body, and every
 * I/O error, is a failed request (the connection is then reopened).
 *
 * <pre>java LoadClient.java HOST PORT PATH CONNECTIONS SECONDS EXPECTED_BODY_PREFIX</pre>
 *
 * Prints one line: requests, failed, rps, p50/p90/p99/p999/max latency in microseconds.
 */
public final class LoadClient {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String path = args[2];
        int connections = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        String expected = args.length > 5 ? args[5] : "";
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);

        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        AtomicLong failed = new AtomicLong();
        AtomicLong closes = new AtomicLong();
        List<String> firstFailures = java.util.Collections.synchronizedList(new ArrayList<>());
        long[][] lat = new long[connections][];
        int[] counts = new int[connections];
        Thread[] threads = new Thread[connections];
        for (int c = 0; c < connections; c++) {
            int id = c;
            threads[c] = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                Socket s = null;
                InputStream in = null;
                OutputStream out = null;
                while (System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    try {
                        if (s == null) {
                            s = new Socket(host, port);
                            s.setTcpNoDelay(true);
                            s.setSoTimeout(10_000);
                            in = new BufferedInputStream(s.getInputStream(), 16384);
                            out = s.getOutputStream();
                        }
                        out.write(request);
                        out.flush();
                        int[] reply = readResponse(in, expected);
                        int status = reply[0];
                        long t1 = System.nanoTime();
                        if (reply[1] == 1) { // answered, but the server closes: reconnect for the next one
                            s.close();
                            s = null;
                            closes.incrementAndGet();
                        }
                        if (status != 200) {
                            failed.incrementAndGet();
                            if (firstFailures.size() < 5) firstFailures.add("status " + status);
                        }
                        if (n == mine.length) mine = Arrays.copyOf(mine, n * 2);
                        mine[n++] = (t1 - t0) / 1000;
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        if (firstFailures.size() < 5) firstFailures.add(e.toString());
                        try { if (s != null) s.close(); } catch (IOException ignored) { }
                        s = null;
                    }
                }
                try { if (s != null) s.close(); } catch (IOException ignored) { }
                lat[id] = mine;
                counts[id] = n;
            }, "load-" + c);
            threads[c].start();
        }
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        int total = 0;
        for (int n : counts) total += n;
        long[] all = new long[total];
        int k = 0;
        for (int c = 0; c < connections; c++) {
            System.arraycopy(lat[c], 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        System.out.printf("requests=%d failed=%d server_closes=%d rps=%.0f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d%n",
                total, failed.get(), closes.get(), total / elapsed, pct(all, 50), pct(all, 90), pct(all, 99), pct(all, 99.9),
                all.length == 0 ? 0 : all[all.length - 1]);
        for (String f : firstFailures) System.out.println("  failure: " + f);
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * Reads one response with a Content-Length; returns {status (or -1 if the body was not the expected one),
     * 1 if the server closes the connection after it}.
     */
    private static int[] readResponse(InputStream in, String expected) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) throw new IOException("connection closed by the server");
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = -1;
        boolean close = false;
        String h;
        while (!(h = line(in)).isEmpty()) {
            String lower = h.toLowerCase();
            if (lower.startsWith("content-length:")) length = Integer.parseInt(h.substring(15).trim());
            if (lower.startsWith("connection:") && lower.contains("close")) close = true;
        }
        if (length < 0) throw new IOException("no Content-Length (status " + status + ")");
        byte[] body = in.readNBytes(length);
        if (body.length != length) throw new IOException("body cut short");
        if (status == 200 && !new String(body, StandardCharsets.UTF_8).startsWith(expected)) status = -1;
        return new int[] {status, close ? 1 : 0};
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
