package dev.hse4j.api;

import java.net.InetSocketAddress;

/**
 * The redirect record of a connection that reached hse4j through a trusted load balancer or proxy: the
 * PROXY protocol (v1 or v2) header that the balancer sent at the start of the connection. It relates the
 * connection hse4j accepted to the client's original one, as a WFP redirect record does. Immutable.
 *
 * <p>The addresses in it come from the balancer: they say where a connection came from, never who the
 * client is. Do not use them for authentication.
 */
public interface RedirectRecord {

    /** @return the PROXY protocol version of the header: 1 (text) or 2 (binary) */
    int version();

    /**
     * @return the original client's address and port as the balancer reported them, or {@code null} when
     *         the header carries none (v2 {@code LOCAL}, family {@code UNSPEC} or {@code UNIX})
     */
    InetSocketAddress source();

    /** @return the address and port the client connected to, or {@code null} when the header carries none */
    InetSocketAddress destination();

    /** @return a copy of the header's bytes exactly as they were received */
    byte[] toByteArray();
}
