package dev.hse4j.server.host;

import dev.hse4j.api.Completion;
import dev.hse4j.api.IoCompletion;

import java.util.List;

/**
 * Strict mode's view of a request's asynchronous I/O ({@link StrictSession}). A request without strict
 * mode has none, and {@link RequestIo} then does nothing more than a null check.
 */
interface IoWatch {

    /**
     * An asynchronous write is about to start.
     *
     * @param segments what it writes
     * @return the segments to write instead (memory ones carrying a {@link Segment.Taken} guard)
     */
    List<Segment> asyncWrite(List<Segment> segments);

    /**
     * Runs the extension's completion callback for an asynchronous operation, watching it.
     *
     * @param completion the callback
     * @param c what it is told
     */
    void deliver(IoCompletion completion, Completion c);
}
