package dev.hse4j.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One outbound TCP connection opened by {@link OutboundService#connectEx}. Thread-safe.
 *
 * <h2>One operation per direction</h2>
 * At most one {@link #send} and one {@link #receive} may be pending at a time (one in each direction);
 * another in the same direction fails at once with {@link IsapiError#BUSY} (170) and the pending one
 * carries on.
 *
 * <h2>Buffers</h2>
 * As with the ECB: a buffer passed to {@link #send} or {@link #receive} is the server's from the call until
 * its completion has been delivered; the server reads (or fills) the bytes between position and limit and
 * advances the position by the bytes transferred; afterwards it keeps no reference to it.
 *
 * <h2>Completions</h2>
 * Each operation completes exactly once, on a server thread, never inside the call that started it, with
 * a {@link Completion} carrying the caller's context, the bytes transferred and 0 or a Winsock code.
 * Starting the next operation from a completion does not grow the stack. A receive or send completion
 * may run on the connection's I/O thread (saving two thread hand-offs per operation), so a completion
 * must not block: start the next asynchronous operation, or hand blocking work to a thread of your own.
 * The operator can move every completion to the worker threads ({@code --outbound-completions-on-workers}).
 *
 * <h2>Errors</h2>
 * When the peer resets the connection, pending operations complete with {@link IsapiError#WSAECONNRESET}
 * (10054) and every later {@code send}/{@code receive} fails with it: the connection is forced closed and
 * must be {@link #close() closed}. When the server closes it (the extension version is unloaded, the
 * server stops), the code is {@link IsapiError#WSAECONNABORTED} (10053). After {@link #close()}, I/O fails
 * with {@link IsapiError#INVALID_OPERATION} (4317); before the connect succeeded, with
 * {@link IsapiError#WSAENOTCONN} (10057); a send after {@link #shutdownOutput()} with
 * {@link IsapiError#WSAESHUTDOWN} (10058).
 */
public interface OutboundConnection extends AutoCloseable {

    /**
     * Sends the buffer's remaining bytes; the completion reports them all once the network has taken them.
     *
     * @param src the bytes; the server's until the completion
     * @param completion called once with the outcome
     * @param context handed back in the completion
     * @throws IsapiException 170 while a send is pending; 10054 / 10053 after a forced close; 10058 after
     *     {@link #shutdownOutput()}; 10057 before the connect succeeded; 4317 after {@link #close()};
     *     87 for a null buffer or completion. No completion follows a thrown call.
     */
    void send(ByteBuffer src, IoCompletion completion, Object context) throws IsapiException;

    /**
     * Receives at least one byte into the buffer, or learns that the peer finished sending: the completion
     * reports the bytes placed in {@code dst}, 0 meaning the peer closed its side (end of stream).
     *
     * @param dst where to put the bytes; must have room; the server's until the completion
     * @param completion called once with the outcome
     * @param context handed back in the completion
     * @throws IsapiException 170 while a receive is pending; 10054 / 10053 after a forced close; 10057
     *     before the connect succeeded; 4317 after {@link #close()}; 87 for a null or full buffer or a null
     *     completion. No completion follows a thrown call.
     */
    void receive(ByteBuffer dst, IoCompletion completion, Object context) throws IsapiException;

    /**
     * Half-close: sends FIN after the pending send (if any), so the peer sees the end of the stream;
     * receiving goes on. Idempotent.
     *
     * @throws IsapiException 10057 before the connect succeeded; 4317 after {@link #close()}
     */
    void shutdownOutput() throws IsapiException;

    /**
     * Closes the connection (a FIN; a connect in progress is cancelled). Pending operations complete with
     * {@link IsapiError#OPERATION_ABORTED} (995). Idempotent; never throws.
     */
    @Override
    void close();

    /**
     * Closes the connection with a reset (RST, {@code SO_LINGER} 0) instead of a FIN: the peer sees
     * "connection reset". Pending operations complete with 995. Idempotent.
     */
    void abort();

    /** @return {@code true} from a successful connect until the connection is closed, reset or aborted */
    boolean isOpen();

    /** @return the destination as given to {@link OutboundService#connectEx} */
    InetSocketAddress remoteAddress();

    /** @return the local address and port once connected, else {@code null} */
    InetSocketAddress localAddress();
}
