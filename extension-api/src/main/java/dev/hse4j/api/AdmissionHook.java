package dev.hse4j.api;

/**
 * A connection-admission hook (TDI's {@code ClientEventConnect}): hse4j offers it every new connection
 * <em>before a single byte is read</em>, and it answers with an {@link AdmissionVerdict}: accept (with an
 * optional per-connection context), refuse, or insufficient resources.
 *
 * <h2>Deployment</h2>
 * A hook is deployed like an extension: a jar in the extensions directory naming the class in its manifest
 * ({@code Hse4j-Admission-Hook: com.example.MyHook}, comma-separated for several) or in
 * {@code META-INF/services/dev.hse4j.api.AdmissionHook}. The class needs a public no-argument constructor.
 * A jar may hold hooks, extensions, or both. The jar is hot-deployed, replaced, rolled back (a replacement
 * that cannot be instantiated leaves the previous version judging) and removed like any extension jar.
 * When a hook is replaced, connections it accepted keep their context, and {@link #connectionClosed} is
 * still called on <em>the version that accepted them</em>; new connections go to the new version. A
 * retired version's class loader is closed when the last connection it accepted has closed.
 *
 * <h2>Order</h2>
 * Hooks run after the built-in policies ({@code --allow}/{@code --deny}, {@code --max-connections-per-ip},
 * {@code --accept-rate-per-ip}), in the order of their jars' file names, then in the order the manifest
 * (or the service file) lists the classes. The first verdict that is not {@code accept} wins and the hooks
 * after it are not asked. When several hooks accept, the connection's context is the last non-null one.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>{@link #admit} runs on a server pool thread (never on a network selector thread), once per
 *       connection, concurrently for different connections. It must not block: every call is timed and
 *       one over 1 ms is logged (rate-limited) with the hook's jar.</li>
 *   <li>A call that throws, or returns {@code null}, counts as
 *       {@link AdmissionVerdict.Kind#INSUFFICIENT_RESOURCES insufficient resources} and is logged.</li>
 *   <li>On a listener with the PROXY protocol the hook runs after the PROXY header has been read, so the
 *       offer names the original client and carries its {@link RedirectRecord}.</li>
 * </ul>
 *
 * <h2>What crosses class loaders</h2>
 * Each jar has its own class loader; what they share is the JDK and this package. The context a hook
 * returns is handed as it is to every extension serving a request on the connection
 * ({@link ExtensionControlBlock#connectionContext()}), and extensions in other jars can only use it through
 * types they see the same way: JDK types ({@code String}, {@code Long}, {@code Instant},
 * {@code java.util.Map}, records of such types exposed as {@code Map}...) and the types of this package.
 * A class of the hook's own jar is a different class in every other jar: casting to it fails there.
 * {@link Object#toString()} of the context is what the {@code HSE_CONNECTION_CONTEXT} server variable and
 * the access log show. The context (and whatever it references) stays alive while the connection does.
 */
public interface AdmissionHook {

    /**
     * Judges one connection offer. Called before anything is read from the connection.
     *
     * @param offer the connection: addresses, listener, open connections from the same address, redirect record
     * @return the verdict; {@code null} counts as insufficient resources
     * @throws Exception counts as insufficient resources (logged with the hook's jar)
     */
    AdmissionVerdict admit(ConnectionOffer offer) throws Exception;

    /**
     * Called exactly once for every connection this hook accepted, when it closes (by either side, by a
     * reset, by a timeout, or because a later hook or the PROXY layer turned it down), so that the hook can
     * release what it holds. Called on a server pool thread, never on a selector thread; exceptions are
     * logged and ignored.
     *
     * @param offer the offer the hook accepted
     * @param context the context the hook's verdict carried, or {@code null}
     */
    default void connectionClosed(ConnectionOffer offer, Object context) {
    }
}
