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
