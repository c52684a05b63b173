package dev.hse4j.server.outbound;

import dev.hse4j.api.ConnectCompletion;
import dev.hse4j.api.OutboundService;
import dev.hse4j.server.config.OutboundConfig;
import dev.hse4j.server.deploy.ExtensionResources;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link TcpFastOpenTest} in a child JVM inside a private network namespace (Fast Open on for client
 * and server there): connects with first data through the real outbound service and prints what the kernel
 * says, as {@code key=value} lines.
 */
public final class TfoProbe {

    private TfoProbe() {
    }

    /** @param args unused */
    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        OutboundConnections outbound = new OutboundConnections(OutboundConfig.defaults()
                .withAllow("127.0.0.0/8", "10.0.0.0/8"), pool);
        ExtensionResources ext = outbound.open("probe", TfoProbe.class.getClassLoader());
        OutboundService service = ext.context().outbound();
        System.out.println("transport=" + outbound.statusJson().at("/outbound/transport").asText());
        System.out.println("fastOpen=" + outbound.fastOpen());
        Map<String, Long> before = tcpExt();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            for (int size : new int[] {1000, OutboundService.MAX_FIRST_DATA}) {
                byte[] first = new byte[size];
                new Random(size).nextBytes(first);
                CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                        return in.readNBytes(size);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, pool);
                CompletableFuture<ConnectCompletion> f = new CompletableFuture<>();
                service.connectEx(to, ByteBuffer.wrap(first), 0, f::complete, null);
                ConnectCompletion c = f.get(10, TimeUnit.SECONDS);
                boolean same = Arrays.equals(first, got.get(10, TimeUnit.SECONDS));
                System.out.println("size" + size + "=error:" + c.errorCode() + ",bytes:" + c.bytesTransferred()
                        + ",inSyn:" + c.firstDataInSyn() + ",peerGotSame:" + same);
                c.connection().close();
            }
        }
        Map<String, Long> after = tcpExt();
        for (String k : List.of("TCPFastOpenActive", "TCPFastOpenPassive", "TCPFastOpenActiveFail")) {
            System.out.println("delta." + k + "=" + (after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L)));
        }
        // No route at all in the namespace: the kernel says so at once.
        CompletableFuture<ConnectCompletion> f = new CompletableFuture<>();
        service.connectEx(new InetSocketAddress("10.255.255.1", 81), ByteBuffer.wrap(new byte[10]), 0, f::complete, null);
        ConnectCompletion c = f.get(20, TimeUnit.SECONDS);
        System.out.println("unroutable=" + c.errorCode());
        c.connection().close();
        ext.close();
        outbound.close();
        pool.shutdownNow();
    }

    /** @return the TcpExt counters of this network namespace (what nstat reads) */
    private static Map<String, Long> tcpExt() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
        Map<String, Long> m = new HashMap<>();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                String[] k = lines.get(i).split("\\s+");
                String[] v = lines.get(i + 1).split("\\s+");
                for (int j = 1; j < k.length && j < v.length; j++) {
                    m.put(k[j], Long.parseLong(v[j]));
                }
            }
        }
        return m;
    }
}
