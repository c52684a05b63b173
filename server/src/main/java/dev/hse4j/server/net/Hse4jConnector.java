package dev.hse4j.server.net;

import dev.hse4j.server.admission.Admission;
import dev.hse4j.server.admission.AdmissionGate;
import dev.hse4j.server.admission.Offer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * hse4j's listener: Jetty's {@link ServerConnector} whose endpoints carry a {@link ConnectionState}, and
 * which offers every accepted connection to the {@link AdmissionGate} before anything is read from it.
 *
 * <p>Where admission runs: Jetty accepts on its acceptor thread (where {@code --max-connections} acts), then
 * creates the endpoint on a <em>pool</em> thread ({@link #newEndPoint}): the gate runs there, so a slow
 * hook holds one pool thread, never a selector that other connections wait on. A connection turned down
 * never gets an endpoint: its channel is reset or closed right there, unread, and Jetty drops it quietly.
 *
 * <p>On a listener with the PROXY protocol, {@link #admitAtAccept(boolean) admitAtAccept(false)}: the
 * PROXY layer admits the connection once the header names the original client.
 */
public final class Hse4jConnector extends ServerConnector {

    /** Thrown from {@link #newEndPoint} for a connection turned down: Jetty then forgets the channel. */
    private static final class TurnedDown extends IOException {
        TurnedDown(String reason) {
            super(reason);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // expected, and frequent under a flood: no stack to fill
        }
    }

    private final AdmissionGate gate;
    private volatile boolean admitAtAccept = true;

    /**
     * @param server the server
     * @param gate the admission gate (shared by all listeners)
     * @param name the listener's name: {@code http} or {@code https}
     * @param factories the protocols, outermost first
     */
    public Hse4jConnector(Server server, AdmissionGate gate, String name, ConnectionFactory... factories) {
        super(server, factories);
        this.gate = gate;
        setName(name);
    }

    /** @return the admission gate */
    public AdmissionGate gate() {
        return gate;
    }

    /**
     * @param v {@code false} on a listener where a later layer (PROXY) admits connections once it knows the
     *        original client; {@code true} (the default) to admit at accept
     */
    public void admitAtAccept(boolean v) {
        this.admitAtAccept = v;
    }

    /** @return whether connections are admitted at accept */
    public boolean admitsAtAccept() {
        return admitAtAccept;
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key)
            throws IOException {
        ConnectionState state = new ConnectionState(gate.nextConnectionId(), getName(),
                (InetSocketAddress) channel.getRemoteAddress(), (InetSocketAddress) channel.getLocalAddress());
        if (admitAtAccept) {
            Admission a = gate.admit(new Offer(state.id(), state.peer(), state.local(), getName(), null, null));
            if (!a.isAccepted()) {
                gate.turnDown(a, channel);
                // The channel is registered with a selector: its socket really closes (and the RST goes out)
                // only when that selector next flushes its cancelled keys.
                key.selector().wakeup();
                throw new TurnedDown(a.reason());
            }
            state.admitted(a);
        }
        Hse4jEndPoint endPoint = new Hse4jEndPoint(channel, selector, key, getScheduler(), state);
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ServerConnectorManager(executor, scheduler, selectors) {
            @Override
            public Connection newConnection(SelectableChannel channel, EndPoint endpoint, Object attachment)
                    throws IOException {
                try {
                    return super.newConnection(channel, endpoint, attachment);
                } catch (IOException | RuntimeException | Error e) {
                    // The endpoint will never open, so never close: release its admission here.
                    if (endpoint instanceof Hse4jEndPoint h) {
                        h.state().closed();
                    }
                    throw e;
                }
            }
        };
    }
}
