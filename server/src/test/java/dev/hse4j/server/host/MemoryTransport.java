package dev.hse4j.server.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpField;

/**
 * A {@link Transport} in memory, for driving the state machine through paths a socket cannot time
 * exactly (a write held open while the procedure returns, a client abort in the middle of a write). Writes
 * complete at once unless {@link #holdWrites} is set; then the test completes or fails the held one.
 */
final class MemoryTransport implements Transport {

    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    volatile int errorStatus;
    volatile boolean holdWrites;
    volatile Done held;
    volatile boolean lastWritten;
    volatile boolean clientGone;
    private volatile int status = 200;
    private final List<HttpField> headers = new ArrayList<>();
    private volatile boolean committed;

    @Override public String method() { return "GET"; }
    @Override public String pathQuery() { return "/ext/test"; }
    @Override public int maxPiece() { return 16 * 1024; }
    @Override public boolean isMultiplexed() { return false; }
    @Override public boolean isPersistent() { return true; }
    @Override public boolean isOpen() { return failed.get() == 0 && !clientGone; }
    @Override public void status(int s) { status = s; }
    @Override public int status() { return status; }

    @Override
    public synchronized void head(int s, List<HttpField> fields) {
        status = s;
        headers.addAll(fields);
    }

    @Override public long contentLength() { return -1; }
    @Override public boolean isCommitted() { return committed; }
    @Override public void closeAfterResponse() { }
    @Override public boolean closesAfterResponse() { return false; }

    @Override
    public void write(boolean last, ByteBuffer content, Done done) {
        committed = true;
        synchronized (this) {
            while (content.hasRemaining()) {
                written.write(content.get());
            }
        }
        lastWritten |= last;
        if (failed.get() > 0 || errors.get() > 0 || clientGone) {
            done.failed(new IOException("the exchange is over"));
        } else if (holdWrites) {
            held = done;
        } else {
            done.succeeded();
        }
    }

    /** Lets the held write finish. */
    void release() {
        Done d = held;
        held = null;
        d.succeeded();
    }

    /** The client goes away under the held write. */
    void clientAborts() {
        Done d = held;
        held = null;
        clientGone = true;
        d.failed(new IOException("connection reset by peer"));
    }

    @Override public int read(ByteBuffer dst) { return 0; }
    @Override public int probe() { return 0; }
    @Override public void demand(Runnable onReadable) { onReadable.run(); }
    @Override public void complete() { completed.incrementAndGet(); }

    @Override
    public void fail(Throwable why) {
        failed.incrementAndGet();
        Done d = held;
        held = null;
        if (d != null) {
            d.failed(why);
        }
    }

    @Override
    public void error(int s, String message, boolean closeConnection) {
        errorStatus = s;
        errors.incrementAndGet();
    }

    @Override public void closeConnection() { }

    /** @return how many times the exchange was ended (must be 1 after the end) */
    int ends() {
        return completed.get() + failed.get() + errors.get();
    }
}
