package dev.hse4j.api;

/**
 * What an {@link AdmissionHook} decided about a connection offer. Immutable; obtain one from the static
 * factories.
 *
 * <ul>
 *   <li>{@link #accept()} / {@link #accept(Object)}: the connection is served; its context (if any) is
 *       visible to every request on it through {@link ExtensionControlBlock#connectionContext()}. The
 *       connection is ready for data at once.</li>
 *   <li>{@link #refuse()}: the client sees a connection reset ({@code SO_LINGER} 0); nothing it sent is
 *       read.</li>
 *   <li>{@link #insufficientResources()}: the connection is closed gracefully (FIN) without reading, and
 *       the listener stops accepting for a short moment.</li>
 * </ul>
 */
public final class AdmissionVerdict {

    /** The three outcomes of an offer, as TDI's {@code ClientEventConnect}. */
    public enum Kind {
        /** Serve the connection. */
        ACCEPT,
        /** Reset the connection ("connection refused"). */
        REFUSE,
        /** Close the connection gracefully and pause accepting briefly. */
        INSUFFICIENT_RESOURCES
    }

    private static final AdmissionVerdict ACCEPT = new AdmissionVerdict(Kind.ACCEPT, null);
    private static final AdmissionVerdict REFUSE = new AdmissionVerdict(Kind.REFUSE, null);
    private static final AdmissionVerdict INSUFFICIENT = new AdmissionVerdict(Kind.INSUFFICIENT_RESOURCES, null);

    private final Kind kind;
    private final Object context;

    private AdmissionVerdict(Kind kind, Object context) {
        this.kind = kind;
        this.context = context;
    }

    /** @return accept, without a context */
    public static AdmissionVerdict accept() {
        return ACCEPT;
    }

    /**
     * @param context the per-connection context (JDK or API types if extensions in other jars use it;
     *        see {@link AdmissionHook}); {@code null} for none
     * @return accept, with that context
     */
    public static AdmissionVerdict accept(Object context) {
        return context == null ? ACCEPT : new AdmissionVerdict(Kind.ACCEPT, context);
    }

    /** @return refuse: the client sees a reset */
    public static AdmissionVerdict refuse() {
        return REFUSE;
    }

    /** @return insufficient resources: a graceful close and a brief pause in accepting */
    public static AdmissionVerdict insufficientResources() {
        return INSUFFICIENT;
    }

    /** @return the outcome */
    public Kind kind() {
        return kind;
    }

    /** @return whether the connection is accepted */
    public boolean isAccepted() {
        return kind == Kind.ACCEPT;
    }

    /** @return the context of an accept, or {@code null} */
    public Object context() {
        return context;
    }

    @Override
    public String toString() {
        return context == null ? kind.name() : kind + "(" + context + ")";
    }
}
