package dev.hse4j.server.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.jetty.http.HttpField;

/**
 * The transport of a session whose procedure runs on a network thread (a non-blocking extension called
 * without a hand-off): there a synchronous write must not wait for a slow client, so its bytes, copied, are
 * queued here ({@link #writeBehind}) and the call returns. Every later write and the exchange's end go
 * through the same queue, so the client gets the bytes in the order they were written.
 *
 * <p>When nothing is queued (the usual case: the kernel took the bytes at once) a write goes straight to the
 * transport underneath. The queue holds the unsent copies (coalesced up to one piece each) and at most one
 * write of the machine's own operations (its one-outstanding rule). {@link #complete()} waits for the queue to
 * empty; {@link #fail}, {@link #closeConnection()} and {@link #error} (which, with bytes under way, is a
 * failure: the response has started) act at once.
 * A failed write fails everything queued behind it, and {@code onFailure} hears of it once if a copy was lost.
 */
final class WriteBehind implements Transport {

    private static final int COALESCE = 64 * 1024;

    /** One write: a copy written behind ({@code done == null}) or one of the machine's pieces. */
    private static final class Entry {
        final boolean last;
        ByteBuffer buffer;
        int size; // a copy's bytes, counted in behindBytes until written
        final Done done;

        Entry(boolean last, ByteBuffer buffer, Done done) {
            this.last = last;
            this.buffer = buffer;
            this.size = buffer.remaining();
            this.done = done;
        }
    }

    private final Transport transport;
    private final long limit;
    private final int maxPiece;
    private final Consumer<Throwable> onFailure;
    private final Done written = new Done() {
        @Override
        public void succeeded() {
            writeEnded(null);
        }

        @Override
        public void failed(Throwable cause) {
            writeEnded(cause == null ? new IOException("write failed") : cause);
        }
    };
    // Guarded by this.
    private ArrayDeque<Entry> queue; // made on the first write that must wait: most sessions never queue
    private Entry inFlight;
    private long behindBytes;
    private Throwable failure;
    private Runnable end;

    /**
     * @param transport the exchange's own transport
     * @param limit the most unsent copied bytes this session may have queued
     * @param onFailure told once when a copied write fails (the client is gone): the machine's later
     *     operations must fail as after any failed write
     */
    WriteBehind(Transport transport, long limit, Consumer<Throwable> onFailure) {
        this.transport = transport;
        this.limit = limit;
        this.maxPiece = transport.maxPiece();
        this.onFailure = onFailure;
    }

    /** What became of a copy given to {@link #writeBehind}. */
    enum Queued {
        /** It is sent, or queued to be. */
        YES,
        /** Nothing queued: the unsent bytes would go past the limit. */
        OVER_LIMIT,
        /** Nothing queued: an earlier write failed (the client is gone). */
        FAILED
    }

    /**
     * Queues a copy (the caller's buffer is free) behind everything written so far; returns at once.
     *
     * @param copy bytes nobody else holds
     * @param last whether it is the response's final send
     * @return whether it was queued
     */
    Queued writeBehind(ByteBuffer copy, boolean last) {
        Entry start = null;
        Throwable failed;
        synchronized (this) {
            failed = failure;
            if (failed == null) {
                int n = copy.remaining();
                if (behindBytes + n > limit) {
                    return Queued.OVER_LIMIT;
                }
                behindBytes += n;
                boolean more;
                do {
                    int piece = Math.min(copy.remaining(), maxPiece);
                    ByteBuffer b;
                    if (piece == copy.remaining()) {
                        b = copy; // the rest in one piece (nearly every copy): no slice
                        more = false;
                    } else {
                        b = copy.slice(copy.position(), piece);
                        copy.position(copy.position() + piece);
                        more = true;
                    }
                    boolean lastPiece = last && !more;
                    if (inFlight == null) {
                        inFlight = new Entry(lastPiece, b, null);
                        start = inFlight;
                    } else if (!coalesce(b, lastPiece)) {
                        queue().add(new Entry(lastPiece, b, null));
                    }
                } while (more);
            }
        }
        if (failed != null) {
            return Queued.FAILED;
        }
        if (start != null) {
            transport.write(start.last, start.buffer, written);
        }
        return Queued.YES;
    }

    private ArrayDeque<Entry> queue() { // guarded by this
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        return queue;
    }

    /** @return the queued entries, now removed from the queue (guarded by this) */
    private List<Entry> drain() {
        if (queue == null) {
            return new ArrayList<>(0);
        }
        List<Entry> all = new ArrayList<>(queue);
        queue.clear();
        return all;
    }

    /** Appends a small copy to the last queued copy, so that many small writes do not make many pieces. */
    private boolean coalesce(ByteBuffer b, boolean last) {
        Entry tail = queue == null ? null : queue.peekLast();
        if (tail == null || tail.done != null || tail.last
                || tail.buffer.remaining() + b.remaining() > Math.min(maxPiece, COALESCE)) {
            return false;
        }
        if (last) {
            return false;
        }
        ByteBuffer joined = ByteBuffer.allocate(tail.buffer.remaining() + b.remaining());
        joined.put(tail.buffer).put(b).flip();
        tail.buffer = joined;
        tail.size = joined.remaining();
        return true;
    }

    /** @return unsent copied bytes */
    synchronized long behind() {
        return behindBytes;
    }

    /** @return the most unsent copied bytes allowed */
    long limit() {
        return limit;
    }

    @Override
    public void write(boolean last, ByteBuffer content, Done done) {
        Throwable failed;
        synchronized (this) {
            failed = failure;
            if (failed == null) {
                Entry e = new Entry(last, content, done);
                if (inFlight != null) {
                    queue().add(e);
                    return;
                }
                inFlight = e;
            }
        }
        if (failed != null) {
            done.failed(failed);
            return;
        }
        transport.write(last, content, written);
    }

    /** The write with the transport ended; the next one starts, or the end waiting for the queue runs. */
    private void writeEnded(Throwable cause) {
        Entry ended;
        Entry next = null;
        Runnable endNow = null;
        List<Entry> dropped = List.of();
        boolean copyLost = false;
        synchronized (this) {
            ended = inFlight;
            if (ended.done == null) {
                behindBytes -= ended.size;
            }
            if (cause != null) {
                failure = failure == null ? cause : failure;
                dropped = drain();
                copyLost = ended.done == null || dropped.stream().anyMatch(e -> e.done == null);
                behindBytes = 0;
                inFlight = null;
                endNow = end;
                end = null;
            } else {
                next = queue == null ? null : queue.poll();
                inFlight = next;
                if (next == null) {
                    endNow = end;
                    end = null;
                }
            }
        }
        if (ended.done != null) {
            if (cause == null) {
                ended.done.succeeded();
            } else {
                ended.done.failed(cause);
            }
        }
        for (Entry e : dropped) {
            if (e.done != null) {
                e.done.failed(cause);
            }
        }
        if (copyLost) {
            onFailure.accept(cause);
        }
        if (next != null) {
            transport.write(next.last, next.buffer, written);
        } else if (endNow != null) {
            endNow.run();
        }
    }

    /** Runs {@code action} now if nothing is queued, else once the queue has emptied. */
    private void whenDrained(Runnable action) {
        synchronized (this) {
            if (inFlight != null) {
                end = action;
                return;
            }
        }
        action.run();
    }

    @Override
    public void complete() {
        whenDrained(() -> {
            Throwable f;
            synchronized (this) {
                f = failure;
            }
            if (f == null) {
                transport.complete();
            } else {
                transport.fail(f);
            }
        });
    }

    @Override
    public void error(int status, String message, boolean closeConnection) {
        boolean sending;
        synchronized (this) {
            sending = inFlight != null;
        }
        if (sending) {
            // Bytes are on their way, so the response has started: no error page can follow them, and a client
            // too slow to take them must not hold the end (a session timeout) back. As for a committed response.
            fail(new IOException(message));
            return;
        }
        transport.error(status, message, closeConnection);
    }

    @Override
    public void fail(Throwable why) {
        List<Entry> dropped;
        synchronized (this) {
            if (failure == null) {
                failure = why;
            }
            dropped = drain();
            behindBytes = 0;
            end = null;
        }
        transport.fail(why);
        for (Entry e : dropped) {
            if (e.done != null) {
                e.done.failed(why);
            }
        }
    }

    @Override
    public void closeConnection() {
        transport.closeConnection();
    }

    // ------------------------------------------------------------------ the rest is the transport's own

    @Override
    public String method() {
        return transport.method();
    }

    @Override
    public String pathQuery() {
        return transport.pathQuery();
    }

    @Override
    public int maxPiece() {
        return maxPiece;
    }

    @Override
    public boolean sendsLastWriteAtOnce() {
        return transport.sendsLastWriteAtOnce();
    }

    @Override
    public boolean isMultiplexed() {
        return transport.isMultiplexed();
    }

    @Override
    public boolean isPersistent() {
        return transport.isPersistent();
    }

    @Override
    public boolean isOpen() {
        return transport.isOpen();
    }

    @Override
    public void status(int status) {
        transport.status(status);
    }

    @Override
    public int status() {
        return transport.status();
    }

    @Override
    public void head(int status, List<HttpField> fields) {
        transport.head(status, fields);
    }

    @Override
    public long contentLength() {
        return transport.contentLength();
    }

    @Override
    public boolean isCommitted() {
        return transport.isCommitted();
    }

    @Override
    public void closeAfterResponse() {
        transport.closeAfterResponse();
    }

    @Override
    public boolean closesAfterResponse() {
        return transport.closesAfterResponse();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return transport.read(dst);
    }

    @Override
    public int probe() throws IOException {
        return transport.probe();
    }

    @Override
    public void demand(Runnable onReadable) {
        transport.demand(onReadable);
    }
}
