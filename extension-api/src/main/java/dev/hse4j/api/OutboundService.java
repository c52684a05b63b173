package dev.hse4j.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Outbound TCP connections for an extension: WSK's {@code WskConnectEx}, connect and send a first buffer
 * in one call. Get it from {@link ExtensionControlBlock#outbound()} in a request, or from
 * {@link ExtensionContext#outbound()} outside one. Thread-safe.
 *
 * <h2>Where connections may go</h2>
 * Only to destinations the operator allowed ({@code --outbound-allow} for every extension,
 * {@code --outbound-allow-ext <name>=...} for one): {@code host:port}, {@code [v6]:port}, or a CIDR block
 * ({@code 10.0.0.0/8}, any port; {@code 10.0.0.0/8:443}). By default nothing is allowed: a proxying
 * extension must not become an open relay.
 *
 * <h2>TCP Fast Open</h2>
 * Where the server runs with Netty's native epoll transport and the kernel allows client TCP Fast Open
 * ({@code net.ipv4.tcp_fastopen} bit 0x1), the first data is written before the connect and goes in the
 * SYN when the peer accepts it ({@link ConnectCompletion#firstDataInSyn()}). Elsewhere the server
 * connects, then sends: the same semantics, one round trip later. The server logs the path once at start.
 *
 * <h2>Lifetime</h2>
 * Every connection is tracked per extension version (the status page lists them) and closed with
 * {@link IsapiError#WSAECONNABORTED} when that version is unloaded.
 */
public interface OutboundService {

    /** The most first data {@link #connectEx} takes: 65,535 bytes, as {@code WskConnectEx}. */
    int MAX_FIRST_DATA = 65_535;

    /**
     * Connects to {@code remote} and sends {@code firstData} during the handshake (TCP Fast Open) or right
     * after it. Returns at once; {@code completion} is called exactly once, on a server thread, never
     * inside this call, with a {@link ConnectCompletion}: success and the connection, or the Winsock
     * error ({@link IsapiError#WSAECONNREFUSED} 10061, {@link IsapiError#WSAENETUNREACH} 10051,
     * {@link IsapiError#WSAEHOSTUNREACH} 10065, {@link IsapiError#WSAETIMEDOUT} 10060 after the server's
     * connect timeout, {@link IsapiError#WSAECONNRESET} 10054, {@link IsapiError#WSAECONNABORTED} 10053
     * when the connection was closed first). On a failure the caller must still {@link
     * OutboundConnection#close() close} the connection (a no-op if it never opened).
     *
     * <p>Checks come first and nothing is sent when one fails: {@code flags} is reserved and must be 0;
     * {@code firstData} at most {@link #MAX_FIRST_DATA} bytes; the destination on the allow-list.
     *
     * <p>{@code firstData} (its bytes between position and limit) is the server's until the completion,
     * which reports how many of its bytes were sent ({@link Completion#bytesTransferred()}); its position is
     * then advanced by them. The caller may reuse it afterwards.
     *
     * @param remote where to connect; an unresolved host name is resolved in this call
     * @param firstData bytes to send first, or {@code null} for none
     * @param flags reserved, must be 0
     * @param completion called once when the connect (and the first data) completed or failed
     * @param context any object, handed back in the completion
     * @return the connection, usable for I/O once the completion reported success; {@link
     *     OutboundConnection#close()} before that cancels the connect
     * @throws IsapiException {@link IsapiError#INVALID_PARAMETER} (87) for flags other than 0, a null
     *     remote or completion; {@link IsapiError#BUFFER_OVERFLOW} (111) for first data over 65,535 bytes;
     *     {@link IsapiError#ACCESS_DENIED} (5) for a destination not on the allow-list (or a name that does
     *     not resolve to one); {@link IsapiError#INVALID_OPERATION} (4317) after the extension was
     *     unloaded. No completion follows a thrown call.
     */
    OutboundConnection connectEx(InetSocketAddress remote, ByteBuffer firstData, int flags,
                                 ConnectCallback completion, Object context) throws IsapiException;
}
