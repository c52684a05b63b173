package dev.hse4j.server.admission;

import java.util.List;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;

/**
 * {@code --max-connections}: Jetty's {@link NetworkConnectionLimit} (counted at the socket, before any
 * admission, over both listeners), with its "stop accepting" and "accept again" going through the
 * listeners' {@link AcceptSwitch}es so that they compose with the accept pauses.
 */
final class ConnectionCap extends NetworkConnectionLimit {

    private final List<AcceptSwitch> switches;
    private volatile long reached;

    ConnectionCap(int max, List<AcceptSwitch> switches, Connector... connectors) {
        super(max, connectors);
        this.switches = List.copyOf(switches);
    }

    @Override
    protected void limit() {
        reached++;
        for (AcceptSwitch s : switches) {
            s.limited(true);
        }
    }

    @Override
    protected void unlimit() {
        for (AcceptSwitch s : switches) {
            s.limited(false);
        }
    }

    /** @return how often the cap was reached */
    long reached() {
        return reached;
    }
}
