package dev.hse4j.server.host;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The named states of one ISAPI session and the one place where they change. {@link RequestIo} drives it
 * (under its lock: this class is not thread-safe) and does the I/O the transitions call for.
 *
 * <p>Four orthogonal dimensions, each a named state:
 * <ul>
 * <li>{@link Life} the session's lifecycle, changed only by {@link #on(Event)};</li>
 * <li>{@link Slot} the one-outstanding rule: at most one operation in flight or waiting for its completion
 *     to start; plus a count of completions dispatched and not yet returned ({@link #deliveries()});</li>
 * <li>{@link Head} the response: no head yet, head given to the transport, body complete (final send);</li>
 * <li>{@link Link} why the connection can no longer be used (the weightiest reason wins).</li>
 * </ul>
 * and {@link Exchange}: whether the transport's exchange was already ended, and how.
 *
 * <pre>
 * Life. Events in capitals; [idle] = slot IDLE and no completion dispatched or running.
 *
 *  (start)
 *     v              PROC_RETURNED_PENDING                  DONE_WITH_SESSION
 *  RUNNING -------------------------------------> PENDING ---------------------------+
 *   | |  |                 PROC_RETURNED             |                                v
 *   | |  +-------------------------------------------|----------------------------> ENDING
 *   | | DONE_WITH_SESSION                            |                               ^  |  |
 *   | v                    PROC_RETURNED(_PENDING)   |                               |  |  |
 *   | RUNNING_DONE ----------------------------------|-------------------------------+  |  |
 *   |  |                                             | ABORT           FINISH [idle] |  |  | ABORT
 *   |  | ABORT                                       v                 <-----------+  |  |
 *   v  v                                           ENDED <------------------------------+--+
 *  RUNNING_ABORTED ---- PROC_RETURNED(_PENDING) --> ^ |
 *                                                     | CLOSE [idle]: the end listener is told, once
 *                                                     v
 *                                                   CLOSED
 *
 * The same as a table (next() is exactly this; every other pair is refused):
 *   RUNNING         PROC_RETURNED -> ENDING, PROC_RETURNED_PENDING -> PENDING,
 *                   DONE_WITH_SESSION -> RUNNING_DONE, ABORT -> RUNNING_ABORTED
 *   RUNNING_DONE    PROC_RETURNED(_PENDING) -> ENDING, ABORT -> RUNNING_ABORTED
 *   RUNNING_ABORTED PROC_RETURNED(_PENDING) -> ENDED
 *   PENDING         DONE_WITH_SESSION -> ENDING, ABORT -> ENDED
 *   ENDING          FINISH [idle] -> ENDED (the transport completes, or answers 500, or is failed if
 *                   committed), ABORT -> ENDED
 *   ENDED           CLOSE [idle] -> CLOSED
 *
 * ABORT = the session timeout ran out, or the extension's version is unloaded: the transport is answered
 * (500, or failed if committed) at once; an operation in flight fails with 995 (ERROR_OPERATION_ABORTED).
 *
 * Slot:  IDLE --begin--> READING | WRITING | EXTERNAL --finished, synchronous--> IDLE
 *                                     |
 *                                     +--finished, asynchronous--> COMPLETING --its delivery starts--> IDLE
 *        (a second begin in any state but IDLE is refused with ERROR_BUSY; the completion itself may start
 *        the next operation, since the slot is IDLE while it runs)
 *
 * Head:  NONE --head given, or first write--> SENT --final send--> COMPLETE
 *
 * Exchange: OPEN --once--> COMPLETED | FAILED | ANSWERED (the error page)
 *        by the session's end, a limit (408/413), closeConnection, cancelIo of a write, a too slow client.
 * </pre>
 */
final class SessionState {

    private static final Logger LOG = LoggerFactory.getLogger(SessionState.class);

    /** The session's lifecycle. */
    enum Life {
        /** httpExtensionProc is running. */
        RUNNING,
        /** doneWithSession was called while the procedure still runs: its return ends the session. */
        RUNNING_DONE,
        /** Timed out or unloaded while the procedure still runs: the exchange is over, the thread is not. */
        RUNNING_ABORTED,
        /** The procedure returned PENDING; doneWithSession will end the session. */
        PENDING,
        /** The end is decided; it waits for the outstanding operation and its completion (FINISH). */
        ENDING,
        /** The exchange is ended; the listener is told once the slot is idle (CLOSE). */
        ENDED,
        /** Over: the listener was told; no extension code runs for this session any more. */
        CLOSED;

        /** @return whether the procedure has returned */
        boolean procReturned() {
            return this != RUNNING && this != RUNNING_DONE && this != RUNNING_ABORTED;
        }

        /** @return whether the extension may still start operations and send headers */
        boolean open() {
            return this == RUNNING || this == PENDING;
        }

        /** @return whether the exchange was ended for the session (finished or aborted) */
        boolean ended() {
            return this == RUNNING_ABORTED || this == ENDED || this == CLOSED;
        }
    }

    /** What moves {@link Life}. */
    enum Event {
        /** httpExtensionProc returned anything but PENDING (or threw). */
        PROC_RETURNED,
        /** httpExtensionProc returned PENDING. */
        PROC_RETURNED_PENDING,
        /** HSE_REQ_DONE_WITH_SESSION. */
        DONE_WITH_SESSION,
        /** The session timeout ran out, or the extension's version is unloaded with the session open. */
        ABORT,
        /** The slot went idle with the end decided: the exchange is completed. */
        FINISH,
        /** The slot went idle with the exchange ended and the procedure returned: the end is told. */
        CLOSE
    }

    /** The one-outstanding slot. */
    enum Slot { IDLE, READING, WRITING, EXTERNAL, COMPLETING }

    /** The response. */
    enum Head { NONE, SENT, COMPLETE }

    /** Why the connection cannot carry this response any more; {@link #OPEN} while it can. In order of weight. */
    enum Link { OPEN, CLIENT_GONE, TOO_SLOW, ANSWERED_408, ANSWERED_413, CLOSED_BY_EXTENSION }

    /** The transport's exchange. */
    enum Exchange { OPEN, COMPLETED, FAILED, ANSWERED }

    private final Object owner; // for log lines
    private Life life = Life.RUNNING;
    private Slot slot = Slot.IDLE;
    private int deliveries;
    private Head head = Head.NONE;
    private Link link = Link.OPEN;
    private Exchange exchange = Exchange.OPEN;

    /** @param owner names the session in log lines (its toString is called only when logging) */
    SessionState(Object owner) {
        this.owner = owner;
    }

    /** The lifecycle's transition table: the next state, or {@code null} when {@code e} is illegal in {@code s}. */
    static Life next(Life s, Event e) {
        switch (s) {
            case RUNNING:
                switch (e) {
                    case PROC_RETURNED: return Life.ENDING;
                    case PROC_RETURNED_PENDING: return Life.PENDING;
                    case DONE_WITH_SESSION: return Life.RUNNING_DONE;
                    case ABORT: return Life.RUNNING_ABORTED;
                    default: return null;
                }
            case RUNNING_DONE:
                switch (e) {
                    case PROC_RETURNED:
                    case PROC_RETURNED_PENDING: return Life.ENDING;
                    case ABORT: return Life.RUNNING_ABORTED;
                    default: return null;
                }
            case RUNNING_ABORTED:
                return e == Event.PROC_RETURNED || e == Event.PROC_RETURNED_PENDING ? Life.ENDED : null;
            case PENDING:
                switch (e) {
                    case DONE_WITH_SESSION: return Life.ENDING;
                    case ABORT: return Life.ENDED;
                    default: return null;
                }
            case ENDING:
                return e == Event.FINISH || e == Event.ABORT ? Life.ENDED : null;
            case ENDED:
                return e == Event.CLOSE ? Life.CLOSED : null;
            default:
                return null;
        }
    }

    /**
     * The one place the lifecycle changes. FINISH and CLOSE also need the slot idle.
     *
     * @return whether the transition happened; an illegal one is refused and logged
     */
    boolean on(Event e) {
        Life to = next(life, e);
        if (to == null || (e == Event.FINISH || e == Event.CLOSE) && !idle()) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: {} refused in {} (slot {}, {} completions)", owner, e, life, slot, deliveries);
            }
            return false;
        }
        life = to;
        return true;
    }

    /** @return the lifecycle state */
    Life life() {
        return life;
    }

    /** @return whether no operation is outstanding and no completion is dispatched or running */
    boolean idle() {
        return slot == Slot.IDLE && deliveries == 0;
    }

    /** @return the slot state */
    Slot slot() {
        return slot;
    }

    /** @return completions dispatched and not yet returned */
    int deliveries() {
        return deliveries;
    }

    /** @return whether an operation holds the slot (in flight, or finished and waiting for its completion) */
    boolean busy() {
        return slot != Slot.IDLE;
    }

    /** An operation takes the slot: IDLE → READING, WRITING or EXTERNAL. @return false (logged) if not IDLE */
    boolean take(Slot kind) {
        if (slot != Slot.IDLE || kind == Slot.IDLE || kind == Slot.COMPLETING) {
            LOG.warn("{}: illegal slot transition {} -> {}", owner, slot, kind);
            return false;
        }
        slot = kind;
        return true;
    }

    /**
     * The operation holding the slot finished (or was withdrawn before it started).
     *
     * @param completionFollows an asynchronous completion will be delivered: the slot stays taken
     *     (COMPLETING) until that delivery starts
     */
    boolean release(boolean completionFollows) {
        if (slot == Slot.IDLE || slot == Slot.COMPLETING) {
            LOG.warn("{}: illegal slot transition {} -> {}", owner, slot, completionFollows ? "COMPLETING" : "IDLE");
            return false;
        }
        if (completionFollows) {
            slot = Slot.COMPLETING;
            deliveries++;
        } else {
            slot = Slot.IDLE;
        }
        return true;
    }

    /** A completion's delivery starts: COMPLETING → IDLE (the callback may start the next operation). */
    boolean deliveryStarts() {
        if (slot != Slot.COMPLETING) {
            LOG.warn("{}: illegal slot transition {} -> IDLE (delivery)", owner, slot);
            return false;
        }
        slot = Slot.IDLE;
        return true;
    }

    /** A completion callback returned. */
    void deliveryEnds() {
        if (deliveries == 0) {
            LOG.warn("{}: a delivery ended that never started", owner);
            return;
        }
        deliveries--;
    }

    /** @return the response state */
    Head head() {
        return head;
    }

    /** The head was given to the transport: NONE → SENT. @return false if it already was */
    boolean headSent() {
        if (head != Head.NONE) {
            return false;
        }
        head = Head.SENT;
        return true;
    }

    /** The final send was started: → COMPLETE (the head goes with it if it had not). */
    void bodyComplete() {
        head = Head.COMPLETE;
    }

    /** @return why the connection is unusable, or OPEN */
    Link link() {
        return link;
    }

    /**
     * The connection became unusable for {@code why}. The weightier reason stays (the enum's order: the
     * extension's closeConnection over the server's own answer over a slow client over a gone one), because
     * it decides the code the extension's next operation fails with.
     */
    void linkBroken(Link why) {
        if (why.ordinal() > link.ordinal()) {
            link = why;
        }
    }

    /** @return the transport's exchange state */
    Exchange exchange() {
        return exchange;
    }

    /**
     * The exchange is ended now, {@code how}.
     *
     * @return false if it already was (the caller must then not touch the transport's end again)
     */
    boolean endExchange(Exchange how) {
        if (exchange != Exchange.OPEN || how == Exchange.OPEN) {
            return false;
        }
        exchange = how;
        return true;
    }

    @Override
    public String toString() {
        return life + "/" + slot + (deliveries > 0 ? "+" + deliveries : "") + "/" + head + "/" + link + "/" + exchange;
    }
}
