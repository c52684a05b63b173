package dev.hse4j.server.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.server.host.SessionState.Event;
import dev.hse4j.server.host.SessionState.Life;
import dev.hse4j.server.host.SessionState.Slot;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The transition tables themselves: every legal edge of the diagram, and every other one refused. */
class SessionStateTest {

    /** The diagram in {@link SessionState}'s Javadoc, written out edge by edge. */
    private static final Map<Life, Map<Event, Life>> DIAGRAM = new EnumMap<>(Life.class);

    static {
        edge(Life.RUNNING, Event.PROC_RETURNED, Life.ENDING);
        edge(Life.RUNNING, Event.PROC_RETURNED_PENDING, Life.PENDING);
        edge(Life.RUNNING, Event.DONE_WITH_SESSION, Life.RUNNING_DONE);
        edge(Life.RUNNING, Event.ABORT, Life.RUNNING_ABORTED);
        edge(Life.RUNNING_DONE, Event.PROC_RETURNED, Life.ENDING);
        edge(Life.RUNNING_DONE, Event.PROC_RETURNED_PENDING, Life.ENDING);
        edge(Life.RUNNING_DONE, Event.ABORT, Life.RUNNING_ABORTED);
        edge(Life.RUNNING_ABORTED, Event.PROC_RETURNED, Life.ENDED);
        edge(Life.RUNNING_ABORTED, Event.PROC_RETURNED_PENDING, Life.ENDED);
        edge(Life.PENDING, Event.DONE_WITH_SESSION, Life.ENDING);
        edge(Life.PENDING, Event.ABORT, Life.ENDED);
        edge(Life.ENDING, Event.FINISH, Life.ENDED);
        edge(Life.ENDING, Event.ABORT, Life.ENDED);
        edge(Life.ENDED, Event.CLOSE, Life.CLOSED);
    }

    private static void edge(Life from, Event e, Life to) {
        DIAGRAM.computeIfAbsent(from, k -> new EnumMap<>(Event.class)).put(e, to);
    }

    @Test
    void theTableIsTheDiagramAndEveryOtherTransitionIsRefused() {
        int legal = 0;
        for (Life s : Life.values()) {
            for (Event e : Event.values()) {
                Life expected = DIAGRAM.getOrDefault(s, Map.of()).get(e);
                assertEquals(expected, SessionState.next(s, e), s + " on " + e);
                if (expected != null) {
                    legal++;
                }
            }
        }
        assertEquals(14, legal);
        assertTrue(DIAGRAM.getOrDefault(Life.CLOSED, Map.of()).isEmpty(), "CLOSED is final");
    }

    @Test
    void everyStateIsReachableFromRunning() {
        Set<Life> seen = EnumSet.of(Life.RUNNING);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Life s : EnumSet.copyOf(seen)) {
                for (Event e : Event.values()) {
                    Life to = SessionState.next(s, e);
                    if (to != null && seen.add(to)) {
                        grew = true;
                    }
                }
            }
        }
        assertEquals(EnumSet.allOf(Life.class), seen);
    }

    @Test
    void anIllegalEventLeavesTheStateAlone() {
        SessionState s = new SessionState("t");
        assertFalse(s.on(Event.FINISH), "FINISH before the procedure returned");
        assertFalse(s.on(Event.CLOSE));
        assertEquals(Life.RUNNING, s.life());
        assertTrue(s.on(Event.PROC_RETURNED_PENDING));
        assertFalse(s.on(Event.PROC_RETURNED), "the procedure returns once");
        assertEquals(Life.PENDING, s.life());
        assertTrue(s.on(Event.DONE_WITH_SESSION));
        assertFalse(s.on(Event.DONE_WITH_SESSION), "doneWithSession once");
        assertTrue(s.on(Event.FINISH));
        assertFalse(s.on(Event.ABORT), "a timeout after the end changes nothing");
        assertTrue(s.on(Event.CLOSE));
        assertFalse(s.on(Event.CLOSE), "the end is told once");
        assertEquals(Life.CLOSED, s.life());
    }

    @Test
    void finishAndCloseWaitForTheSlotAndForRunningCompletions() {
        SessionState s = new SessionState("t");
        assertTrue(s.take(Slot.WRITING));
        assertTrue(s.on(Event.PROC_RETURNED));
        assertFalse(s.on(Event.FINISH), "a write is in flight");
        assertEquals(Life.ENDING, s.life());
        assertTrue(s.release(true));
        assertEquals(Slot.COMPLETING, s.slot());
        assertFalse(s.on(Event.FINISH), "its completion has not run");
        assertTrue(s.deliveryStarts());
        assertEquals(Slot.IDLE, s.slot());
        assertFalse(s.on(Event.FINISH), "its completion is running");
        s.deliveryEnds();
        assertTrue(s.on(Event.FINISH));
        assertTrue(s.on(Event.CLOSE));
    }

    @Test
    void theSlotHoldsOneOperation() {
        SessionState s = new SessionState("t");
        assertTrue(s.take(Slot.READING));
        assertFalse(s.take(Slot.WRITING), "one outstanding");
        assertFalse(s.deliveryStarts(), "no completion is queued");
        assertTrue(s.release(true));
        assertFalse(s.take(Slot.WRITING), "a finished operation still holds the slot until its completion starts");
        assertFalse(s.release(false), "nothing holds it to release");
        assertTrue(s.deliveryStarts());
        assertTrue(s.take(Slot.WRITING), "the completion may start the next one");
        assertTrue(s.release(false));
        assertFalse(s.take(Slot.COMPLETING), "COMPLETING is reached by finishing, not taken");
    }

    @Test
    void closeConnectionOutranksEveryOtherReasonAndTheExchangeEndsOnce() {
        SessionState s = new SessionState("t");
        s.linkBroken(SessionState.Link.CLIENT_GONE);
        s.linkBroken(SessionState.Link.TOO_SLOW);
        assertEquals(SessionState.Link.TOO_SLOW, s.link());
        s.linkBroken(SessionState.Link.CLOSED_BY_EXTENSION);
        s.linkBroken(SessionState.Link.CLIENT_GONE);
        assertEquals(SessionState.Link.CLOSED_BY_EXTENSION, s.link());
        assertTrue(s.endExchange(SessionState.Exchange.ANSWERED));
        assertFalse(s.endExchange(SessionState.Exchange.COMPLETED));
        assertEquals(SessionState.Exchange.ANSWERED, s.exchange());
        assertNull(SessionState.next(Life.CLOSED, Event.ABORT));
    }
}
