package dev.hse4j.server.proxy;

import dev.hse4j.server.config.ProxyConfig;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hse4j.server.net.Hse4jConnector;

import org.eclipse.jetty.server.AbstractConnector;

/**
 * The PROXY layer of a server: puts the strict PROXY factory first on the listeners the configuration
 * names, and keeps their counters.
 */
public final class ProxyProtocol {

    private final ProxyConfig config;
    private final ProxyStats stats = new ProxyStats();
    private final ProxyListener listener;

    /**
     * @param config the configuration
     * @throws IllegalArgumentException for a trusted-proxy entry that is not an address or CIDR block
     */
    public ProxyProtocol(ProxyConfig config) {
        this.config = config;
        this.listener = config.listeners().isEmpty() ? null
                : new ProxyListener(new TrustedProxies(config.trustedProxies()), config.headerTimeout(),
                        config.maxHeaderBytes(), stats);
    }

    /**
     * Makes {@code connector} require PROXY headers if the configuration says so for {@code which}.
     * Call before the server starts.
     *
     * @param connector the listener
     * @param which which listener it is
     */
    public void install(AbstractConnector connector, ProxyConfig.Listener which) {
        if (connector != null && config.on(which)) {
            connector.addFirstConnectionFactory(new StrictProxyConnectionFactory(listener));
            if (connector instanceof Hse4jConnector h) {
                // Admission must judge the client the header names, not the load balancer: this layer
                // offers the connection once it has read the header.
                h.admitAtAccept(false);
            }
        }
    }

    /**
     * @param c a connection
     * @return whether it is this layer's first stage on a socket (reading the header, or resetting an
     *         untrusted peer): the connection that carries the traffic afterwards is another one
     */
    public static boolean isHeaderStage(org.eclipse.jetty.io.Connection c) {
        return c instanceof ProxyHeaderConnection || c instanceof StrictProxyConnectionFactory.Refused;
    }

    /** @return the counters */
    public ProxyStats stats() {
        return stats;
    }

    /** @return {@code {"proxyProtocol": {...}}} for the status document */
    public ObjectNode statusJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode p = root.putObject("proxyProtocol");
        p.put("enabled", listener != null);
        if (listener != null) {
            p.putPOJO("listeners", config.listeners().stream().map(l -> l.name().toLowerCase(java.util.Locale.ROOT))
                    .sorted().toList());
            p.put("trustedProxies", listener.trusted().toString());
            p.put("headerTimeoutMs", config.headerTimeout().toMillis());
            p.put("maxHeaderBytes", config.maxHeaderBytes());
            p.putPOJO("counters", stats.toMap());
        }
        return root;
    }
}
