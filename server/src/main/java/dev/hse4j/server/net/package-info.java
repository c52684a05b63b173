/**
 * hse4j's listeners: {@link dev.hse4j.server.net.Hse4jConnector} (Jetty's {@code ServerConnector} that offers
 * every accepted connection to admission before reading it) and {@link dev.hse4j.server.net.Hse4jEndPoint},
 * which carries the connection's {@link dev.hse4j.server.net.ConnectionState} from accept to close.
 *
 * <h2>For a layer that admits later (PROXY protocol)</h2>
 * <pre>{@code
 * connector.admitAtAccept(false);                     // on the PROXY listener
 * // once the header is parsed, on a pool thread:
 * ConnectionState state = ConnectionState.of(endPoint);
 * state.redirectRecord(record);
 * state.proxyAddress(state.peer());
 * Admission a = gate.admit(new Offer(state.id(), record.source(), state.local(), state.listener(), record,
 *         state.peer()));
 * if (gate.enforce(a, endPoint)) {                    // reset / graceful close + pause when turned down
 *     state.admitted(a);                              // its close releases the admission, once
 *     // ... hand the endpoint on to the next protocol
 * }
 * }</pre>
 * Wrapping endpoints must implement {@code EndPoint.Wrapper} so that {@code ConnectionState.of} finds the state.
 */
package dev.hse4j.server.net;
