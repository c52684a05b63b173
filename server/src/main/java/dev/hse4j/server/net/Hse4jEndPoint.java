package dev.hse4j.server.net;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.thread.Scheduler;

/** Jetty's socket endpoint carrying the connection's {@link ConnectionState}, told when it closes. */
public final class Hse4jEndPoint extends SocketChannelEndPoint {

    private final ConnectionState state;

    Hse4jEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler,
                  ConnectionState state) {
        super(channel, selector, key, scheduler);
        this.state = state;
    }

    /** @return the connection's state */
    public ConnectionState state() {
        return state;
    }

    @Override
    public void onClose(Throwable cause) {
        try {
            super.onClose(cause);
        } finally {
            state.closed();
        }
    }
}
