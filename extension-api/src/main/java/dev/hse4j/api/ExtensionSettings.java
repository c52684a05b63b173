package dev.hse4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Optional per-extension settings, read from the extension class when it is deployed (and again at each
 * redeploy). Every element has a default meaning "use the server's setting". The extension's version and
 * description come from {@link HttpExtension#getExtensionVersion()}; the status page also shows the jar
 * manifest's {@code Implementation-Version}, if any, and the jar's SHA-256.
 *
 * <pre>{@code
 * @ExtensionSettings(name = "orders", readAheadBytes = 0, sessionTimeoutMillis = 120_000,
 *                   maxConcurrentRequests = 20, maxRequestBodyBytes = 1_000_000)
 * public final class OrdersExtension implements HttpExtension { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ExtensionSettings {

    /**
     * The mount name: requests to {@code /ext/<name>} and {@code /ext/<name>/<path-info>} go to this
     * extension. Letters, digits, {@code - _ .}; empty means the jar's file name without {@code .jar}.
     *
     * @return the mount name, or empty for the default
     */
    String name() default "";

    /**
     * How many body bytes the server reads before calling {@code httpExtensionProc} (ISAPI's
     * UploadReadAheadSize); {@code -1} means the server's setting (48 KB unless configured). Allowed: -1, or
     * 0 to 64 MiB; anything else fails the deployment with a reason.
     *
     * @return the read-ahead size in bytes, or -1
     */
    int readAheadBytes() default -1;

    /**
     * How long a {@link HseStatus#PENDING} request may stay open without
     * {@link ExtensionControlBlock#doneWithSession(HseStatus)} before the server aborts it;
     * {@code -1} means the server's setting. Allowed: -1 or a positive number; anything else fails the
     * deployment with a reason.
     *
     * @return the session timeout in milliseconds, or -1
     */
    long sessionTimeoutMillis() default -1;

    /**
     * Strict mode for this extension, even when the server runs without {@code --strict}: checks that cost a
     * little and explain a lot (a buffer changed before its asynchronous call completed, PENDING without
     * doneWithSession, slow or blocking completions, threads left running after terminateExtension, calls
     * on an ECB after its session ended), each reported once with the stack of the offending call, on the
     * log and the status page. Meant for development and tests.
     *
     * @return {@code true} to run this extension strict
     */
    boolean strict() default false;

    /**
     * The most requests this extension may have running at once inside
     * {@link HttpExtension#httpExtensionProc(ExtensionControlBlock)} or blocked in a synchronous
     * {@code readClient}/{@code writeClient}/{@code transmitFile} (its bulkhead). A request arriving while it
     * is full is answered {@code 503 Service Unavailable} with {@code Retry-After} at once, without calling the
     * extension, and counted ({@code rejected} on the status page); other extensions, {@code /hse/*} and the
     * static files are not affected. Synchronous I/O made after the procedure returned (a {@code PENDING}
     * request's worker) is counted too but never refused. A {@link #nonBlocking()} procedure that runs on the
     * network thread takes no place and is never refused: it holds no worker. {@code -1} means the server's setting
     * ({@code --max-concurrent-requests}, by default half of {@code --threads}); {@code 0} means no cap.
     * Anything below -1 fails the deployment with a reason.
     *
     * @return the cap, 0 for none, or -1
     */
    int maxConcurrentRequests() default -1;

    /**
     * The largest request body this extension accepts, in bytes. A request that declares a larger
     * {@code Content-Length} is answered {@code 413 Content Too Large} before the extension is called; a body
     * without a declared length (chunked, or HTTP/2 without {@code content-length}) that grows past it fails
     * the read that crosses the limit with {@link IsapiError#FILE_TOO_LARGE} (223) and the client is answered
     * 413 (or, if the response had started, the connection is closed); if that happens during the read-ahead,
     * the extension is not called at all. {@code -1} means the server's setting
     * ({@code --max-request-body}, by default 30,000,000 bytes, IIS's maxAllowedContentLength);
     * {@code 0} means no limit. Anything below -1 fails the deployment with a reason.
     *
     * @return the limit in bytes, 0 for none, or -1
     */
    long maxRequestBodyBytes() default -1;

    /**
     * Whether this extension may read redirect records ({@link ExtensionControlBlock#queryRedirectRecord}
     * and {@link ExtensionControlBlock#redirectRecord()}): the PROXY protocol headers of connections that came
     * through a trusted load balancer. They identify clients (addresses, TLS client-certificate names), so
     * an extension sees them only when it asks; otherwise the queries fail with
     * {@link IsapiError#ACCESS_DENIED} (5).
     *
     * @return {@code true} to be granted redirect records
     */
    boolean redirectRecords() default false;

    /**
     * Declares that {@link HttpExtension#httpExtensionProc(ExtensionControlBlock)} never blocks: it does not
     * wait on locks, disks, databases, other servers or {@link Thread#sleep}. The server may then call it
     * directly on the network thread that parsed the request, without handing the request to a worker
     * thread (the cheapest way to serve a small request: no thread hand-off, no context switch).
     *
     * <p>It is called that way only when the whole request body is already read ahead (every request without
     * a body, and bodies up to {@link #readAheadBytes()}); otherwise, and in a servlet container, it is called
     * on a worker thread as usual. On the network thread:
     * <ul>
     * <li>a synchronous {@code readClient} never waits (the body is all there; at its end it returns 0);</li>
     * <li>a synchronous {@code writeClient} (and a synchronous {@code transmitFile}) never waits: its bytes are
     *     copied (so the buffer is free again when the call returns, as always) and sent in order behind
     *     the earlier ones. While a slow client has not taken them, at most 1 MiB of such bytes may wait per
     *     request (the server's {@code --write-behind-limit}); a synchronous write that would go past that fails
     *     with {@link IsapiError#WSAEWOULDBLOCK} (10035) and sends nothing. Write large bodies asynchronously;</li>
     * <li>asynchronous I/O and completions are as always (completions run on worker threads);</li>
     * <li>the session timeout ({@link #sessionTimeoutMillis()}) counts from the procedure's return, not its
     *     call, and only for a session that outlives the return (PENDING, or bytes still being sent).</li>
     * </ul>
     * An extension that declares this and blocks anyway stalls every connection served by that network
     * thread: leave it {@code false} (the default) unless the procedure only computes and writes. Strict mode
     * ({@link #strict()}) reports a procedure still running on a network thread after its threshold, with
     * where it is; the operator can run every procedure on a worker ({@code --ignore-non-blocking}).
     *
     * @return {@code true} if the procedure never blocks
     */
    boolean nonBlocking() default false;
}
