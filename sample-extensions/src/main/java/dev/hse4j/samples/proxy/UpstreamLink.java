package dev.hse4j.samples.proxy;

import dev.hse4j.api.Completion;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.OutboundConnection;

import java.nio.ByteBuffer;

/**
 * One upstream connection and its two 64 KB download buffers, kept across the requests of one client
 * connection (the PROXY header it began with names that client connection: see {@link UpstreamLinks}).
 *
 * <p>Every receive goes through the link, so that a receive may outlive the request that started it: while
 * the link is idle in the pool a receive stays pending, and its completion (the upstream closed, or sent
 * bytes nobody asked for) retires the link; a request that takes the link inherits that receive as its
 * first one. The link is attached to at most one {@link ProxySession} at a time.
 */
final class UpstreamLink {

    static final int BUFFER = 64 * 1024;

    final OutboundConnection conn;
    final LinkKey key;
    final byte[][] down = {new byte[BUFFER], new byte[BUFFER]};
    private final UpstreamLinks pool;

    // guarded by this
    private ProxySession session;
    private int receiving = -1;
    private boolean dead;
    private long idleSince;

    UpstreamLink(OutboundConnection conn, LinkKey key, UpstreamLinks pool) {
        this.conn = conn;
        this.key = key;
        this.pool = pool;
    }

    /** The buffer of the receive pending when {@link #attach} succeeded (-1: none), read by that session. */
    int takenReceiving = -1;

    /** @return whether the link was alive and is now the session's ({@link #takenReceiving} is then set) */
    synchronized boolean attach(ProxySession s) {
        if (dead) {
            return false;
        }
        session = s;
        takenReceiving = receiving;
        return true;
    }

    /** Detaches the session for good: later completions retire the link, which the caller closes. */
    synchronized void abandon() {
        session = null;
        dead = true;
    }

    /**
     * Starts a receive into download buffer {@code i}; its completion goes to the attached session's
     * {@link ProxySession#onReceived}, or retires the link if none is attached then.
     */
    void receive(int i) throws IsapiException {
        synchronized (this) {
            receiving = i;
        }
        try {
            conn.receive(ByteBuffer.wrap(down[i]), this::onReceived, null);
        } catch (IsapiException e) {
            synchronized (this) {
                receiving = -1;
            }
            throw e;
        }
    }

    private void onReceived(Completion c) {
        ProxySession s;
        int i;
        synchronized (this) {
            i = receiving;
            receiving = -1;
            s = session;
            if (s == null) {
                dead = true; // idle: the upstream closed it (or misbehaved)
            }
        }
        if (s != null) {
            s.onReceived(i, c);
        } else {
            pool.retire(this);
        }
    }

    /**
     * Detaches the session and, when no receive is pending, starts the idle one that watches for the
     * upstream closing.
     *
     * @return false if the link could not be kept (the idle receive failed: it was closed meanwhile)
     */
    boolean detachToIdle(long now) {
        boolean start;
        synchronized (this) {
            session = null;
            idleSince = now;
            start = receiving < 0;
        }
        if (start) {
            try {
                receive(0);
            } catch (IsapiException e) {
                synchronized (this) {
                    dead = true;
                }
                return false;
            }
        }
        return true;
    }

    /** Marks an idle link dead if it has been idle since before {@code cutoff}. @return whether it did */
    synchronized boolean expireIfIdleSince(long cutoff) {
        if (session == null && !dead && idleSince - cutoff < 0) {
            dead = true;
            return true;
        }
        return false;
    }

    /** Marks it dead (an unload, or the pool is full). */
    synchronized void kill() {
        dead = true;
    }
}
