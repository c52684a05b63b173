package dev.hse4j.server.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** {@link WriteBehind}: order, the limit, the end waiting for the queue, and a failure under queued bytes. */
class WriteBehindTest {

    private final MemoryTransport memory = new MemoryTransport();
    private final AtomicReference<Throwable> lost = new AtomicReference<>();
    private final WriteBehind line = new WriteBehind(memory, 100_000, lost::set);

    @Test
    void bytesQueuedBehindAHeldWriteGoOutInOrderAndTheEndWaitsForThem() {
        memory.holdWrites = true;
        assertEquals(WriteBehind.Queued.YES, line.writeBehind(bytes(0, 10), false));
        assertEquals(WriteBehind.Queued.YES, line.writeBehind(bytes(10, 40_000), false)); // cut in 16 KB pieces
        AtomicInteger opDone = new AtomicInteger();
        line.write(false, bytes(40_000, 40_100), done(opDone, null)); // one of the machine's own writes
        assertEquals(WriteBehind.Queued.YES, line.writeBehind(bytes(40_100, 40_200), true));
        line.complete();
        assertEquals(0, memory.completed.get(), "the end waits for the queue");
        assertEquals(40_100, line.behind(), "unsent copies are counted (the op's own 100 bytes are not)");
        while (memory.held != null) {
            memory.release();
        }
        assertEquals(1, opDone.get());
        assertEquals(1, memory.completed.get());
        assertEquals(0, line.behind());
        assertArrayEquals(bytes(0, 40_200).array(), memory.written.toByteArray());
        assertTrue(memory.lastWritten);
    }

    @Test
    void aCopyThatWouldGoPastTheLimitIsRefusedWithNothingQueued() {
        memory.holdWrites = true;
        assertEquals(WriteBehind.Queued.YES, line.writeBehind(bytes(0, 60_000), false));
        assertEquals(WriteBehind.Queued.OVER_LIMIT, line.writeBehind(bytes(0, 50_000), false));
        assertEquals(60_000, line.behind());
        while (memory.held != null) {
            memory.release();
        }
        assertEquals(60_000, memory.written.size());
        assertEquals(WriteBehind.Queued.YES, line.writeBehind(bytes(0, 50_000), false), "room again once sent");
    }

    @Test
    void aFailureFailsWhatIsQueuedTellsTheMachineAndTheEndFailsTheExchange() {
        memory.holdWrites = true;
        line.writeBehind(bytes(0, 20_000), false);
        List<Throwable> opFailures = new ArrayList<>();
        line.write(false, bytes(0, 10), done(new AtomicInteger(), opFailures));
        line.complete();
        memory.clientAborts();
        assertNotNull(lost.get(), "the machine hears that copied bytes were lost");
        assertEquals(1, opFailures.size(), "the queued op's write fails");
        assertEquals(1, memory.failed.get(), "the deferred end fails the exchange instead of completing it");
        assertEquals(0, memory.completed.get());
        assertEquals(WriteBehind.Queued.FAILED, line.writeBehind(bytes(0, 10), false));
    }

    @Test
    void anErrorEndWithBytesUnderWayFailsTheExchangeAtOnce() {
        memory.holdWrites = true;
        line.writeBehind(bytes(0, 50_000), false);
        line.error(500, "session timeout", false); // a stalled client must not hold the abort back
        assertEquals(1, memory.failed.get());
        assertEquals(0, memory.errors.get(), "no error page after bytes of the response");
    }

    @Test
    void smallCopiesQueuedTogetherAreSentAsOnePiece() {
        memory.holdWrites = true;
        line.writeBehind(bytes(0, 1), false); // in flight
        for (int i = 1; i < 1000; i++) {
            line.writeBehind(bytes(i, i + 1), false);
        }
        int pieces = 0;
        while (memory.held != null) {
            memory.release();
            pieces++;
        }
        assertEquals(2, pieces, "the first byte, then the other 999 coalesced");
        assertArrayEquals(bytes(0, 1000).array(), memory.written.toByteArray());
    }

    @Test
    void withNothingQueuedWritesAndTheEndGoStraightThrough() {
        AtomicInteger opDone = new AtomicInteger();
        line.write(false, bytes(0, 100), done(opDone, null));
        assertEquals(WriteBehind.Queued.YES, line.writeBehind(bytes(100, 200), false));
        line.complete();
        assertEquals(1, opDone.get());
        assertEquals(1, memory.completed.get());
        assertArrayEquals(bytes(0, 200).array(), memory.written.toByteArray());
    }

    private static Transport.Done done(AtomicInteger ok, List<Throwable> failures) {
        return new Transport.Done() {
            @Override
            public void succeeded() {
                ok.incrementAndGet();
            }

            @Override
            public void failed(Throwable cause) {
                if (failures != null) {
                    failures.add(cause);
                }
            }
        };
    }

    /** Bytes {@code from..to-1} of the pattern {@code i mod 251}. */
    private static ByteBuffer bytes(int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(to - from);
        for (int i = from; i < to; i++) {
            b.put((byte) (i % 251));
        }
        return b.flip();
    }
}
