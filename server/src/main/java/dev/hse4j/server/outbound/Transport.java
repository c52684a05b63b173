package dev.hse4j.server.outbound;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport outbound connections run on: native epoll (with TCP Fast Open when the kernel
 * allows it for clients) where it loads, else NIO (connect, then send). Chosen once, logged once.
 */
final class Transport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
    /** TCP_INFO tcpi_options bit: the SYN carried data and the peer acknowledged it. */
    private static final int TCPI_OPT_SYN_DATA = 0x20;

    private final EventLoopGroup group;
    private final boolean epoll;
    private final boolean fastOpen;
    private final String description;

    Transport(int threads, boolean allowFastOpen) {
        leakDetectionOffUnlessAsked();
        DefaultThreadFactory tf = new DefaultThreadFactory("hse4j-outbound", true);
        epoll = Epoll.isAvailable();
        if (epoll) {
            group = new MultiThreadIoEventLoopGroup(threads, tf, EpollIoHandler.newFactory());
            fastOpen = allowFastOpen && Epoll.isTcpFastOpenClientSideAvailable();
            description = fastOpen
                    ? "native epoll, TCP Fast Open (first data in the SYN when the peer accepts it)"
                    : !allowFastOpen ? "native epoll, connect then send (TCP Fast Open turned off by the operator)"
                    : "native epoll, connect then send (TCP Fast Open is off in the kernel: net.ipv4.tcp_fastopen="
                    + sysctl() + ", client bit 0x1 not set)";
        } else {
            group = new MultiThreadIoEventLoopGroup(threads, tf, NioIoHandler.newFactory());
            fastOpen = false;
            description = "NIO, connect then send (native epoll unavailable: " + Epoll.unavailabilityCause() + ")";
        }
        LOG.info("outbound connections: {}", description);
    }

    /** The system properties with which an operator (or a test run) chooses Netty's leak detection. */
    static final String[] LEAK_PROPERTIES = {"io.netty.leakDetection.level", "io.netty.leakDetectionLevel"};

    /**
     * Netty's leak detector, at its default, records the stack of one buffer in 128 as it is allocated (a
     * {@code Throwable} filled through ~80 frames): ~1 % of a proxied hello's CPU (profile, 2026-11-22, h12d), for
     * a check that only finds bugs. This package is hse4j's only Netty user and releases every buffer it is given
     * (tests prove the byte counts), so it is off unless the operator asks for it with the property.
     */
    private static void leakDetectionOffUnlessAsked() {
        for (String p : LEAK_PROPERTIES) {
            if (System.getProperty(p) != null) {
                return;
            }
        }
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    private static String sysctl() {
        try {
            return Files.readString(Path.of("/proc/sys/net/ipv4/tcp_fastopen")).trim();
        } catch (Exception e) {
            return "?";
        }
    }

    EventLoopGroup group() {
        return group;
    }

    ChannelFactory<Channel> channelFactory() {
        return epoll ? EpollSocketChannel::new : NioSocketChannel::new;
    }

    /** @return whether first data is written before connect() (TCP_FASTOPEN_CONNECT) */
    boolean fastOpen() {
        return fastOpen;
    }

    /** @return the path taken, for the log and the status page */
    String description() {
        return description;
    }

    /** @return whether the kernel says the SYN of this connected channel carried acknowledged data */
    boolean synCarriedData(Channel ch) {
        if (ch instanceof EpollSocketChannel e && e.isActive()) {
            EpollTcpInfo info = e.tcpInfo();
            return (info.options() & TCPI_OPT_SYN_DATA) != 0;
        }
        return false;
    }

    /** TCP states of {@code tcpi_state} that matter to a Fast Open connect. */
    static final int TCP_ESTABLISHED = 1;
    static final int TCP_SYN_SENT = 2;
    static final int TCP_CLOSE_WAIT = 8;

    /** @return the kernel's TCP state of the channel (ESTABLISHED for a channel that has no TCP_INFO) */
    int tcpState(Channel ch) {
        if (ch instanceof EpollSocketChannel e && e.isOpen()) {
            return e.tcpInfo().state();
        }
        return TCP_ESTABLISHED;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
