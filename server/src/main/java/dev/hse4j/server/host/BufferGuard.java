package dev.hse4j.server.host;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * Strict mode's guard on one buffer of an asynchronous write: a checksum of its bytes at the call, the
 * checksum of the bytes as the network took them (piece by piece, in order), and the checksum again at the
 * completion. A buffer handed to an asynchronous call is the server's until the completion; a difference
 * means the extension wrote into it meanwhile.
 */
final class BufferGuard implements Segment.Taken {

    private final ByteBuffer buffer;
    private final int start;
    private final int end;
    private final long atCall;
    private final CRC32 taken = new CRC32();
    private final Throwable call;
    private final StrictSession session;
    private boolean registered; // by the write's I/O thread, one piece at a time

    BufferGuard(ByteBuffer buffer, Throwable call, StrictSession session) {
        this.buffer = buffer;
        this.start = buffer.position();
        this.end = buffer.limit();
        this.atCall = crc(buffer, start, end);
        this.call = call;
        this.session = session;
    }

    private static long crc(ByteBuffer b, int from, int to) {
        CRC32 c = new CRC32();
        c.update(b.duplicate().limit(to).position(from));
        return c.getValue();
    }

    @Override
    public void taken(ByteBuffer b, int from, int n) {
        if (!registered) {
            registered = true;
            session.guarding(this); // checked again at the completion
        }
        taken.update(b.duplicate().limit(from + n).position(from));
        if (from + n >= end && taken.getValue() != atCall) {
            session.bufferChanged(call, "the buffer passed to it changed before the server had sent it (the client "
                    + "may have received the changed bytes)");
        }
    }

    /** The completion is about to run: the bytes must still be those of the call. */
    void atCompletion() {
        if (crc(buffer, start, end) != atCall) {
            session.bufferChanged(call, "the buffer passed to it changed between the call and its completion");
        }
    }
}
