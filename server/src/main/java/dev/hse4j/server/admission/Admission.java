package dev.hse4j.server.admission;

import dev.hse4j.api.AdmissionVerdict;
import dev.hse4j.server.deploy.HookDeployment;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outcome of one offer at the {@link AdmissionGate}: the verdict, why, the context, and what the
 * connection holds until it closes (its place in the per-address count, a reference on each hook version
 * that accepted it). {@link #close()} gives all of that back and has each of those hooks told, once.
 */
public final class Admission {

    /** Why a connection was accepted (no policy said otherwise). */
    public static final String ACCEPTED = "accepted";

    private final AdmissionGate gate;
    private final Offer offer;
    private final AdmissionVerdict.Kind kind;
    private final String reason;
    private final Object context;
    private final InetAddress countedAs;
    private final HookDeployment[] hooks;
    private final Object[] contexts;
    private final AtomicBoolean closed = new AtomicBoolean();

    Admission(AdmissionGate gate, Offer offer, AdmissionVerdict.Kind kind, String reason, Object context,
              InetAddress countedAs, HookDeployment[] hooks, Object[] contexts) {
        this.gate = gate;
        this.offer = offer;
        this.kind = kind;
        this.reason = reason;
        this.context = context;
        this.countedAs = countedAs;
        this.hooks = hooks;
        this.contexts = contexts;
    }

    /** @return the offer judged */
    public Offer offer() { return offer; }
    /** @return the verdict */
    public AdmissionVerdict.Kind kind() { return kind; }
    /** @return whether the connection may be served */
    public boolean isAccepted() { return kind == AdmissionVerdict.Kind.ACCEPT; }
    /**
     * @return why: {@link #ACCEPTED}, or {@code refuse:<policy>} / {@code insufficient:<policy>} with the
     *         policy {@code deny}, {@code not-allowed}, {@code max-connections-per-ip},
     *         {@code accept-rate-per-ip}, {@code hook} or {@code hook-failed}
     */
    public String reason() { return reason; }
    /** @return the connection's context (the last non-null one the accepting hooks gave), or {@code null} */
    public Object context() { return context; }

    InetAddress countedAs() { return countedAs; }
    HookDeployment[] hooks() { return hooks; }
    Object[] contexts() { return contexts; }

    /**
     * The connection closed (or was turned down): gives back its per-address count and tells each hook that
     * accepted it. Only the first call does anything.
     */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            gate.release(this);
        }
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return offer + ": " + reason;
    }
}
