package dev.hse4j.server.proxy;

import java.time.Duration;

/**
 * What one PROXY-protocol listener needs: whom to trust, how long and how large a header may be, where to
 * count.
 *
 * @param trusted the peers allowed to send headers
 * @param headerTimeout how long a header may take to arrive in full
 * @param maxHeaderBytes the largest header accepted
 * @param stats the counters
 */
record ProxyListener(TrustedProxies trusted, Duration headerTimeout, int maxHeaderBytes, ProxyStats stats) {
}
