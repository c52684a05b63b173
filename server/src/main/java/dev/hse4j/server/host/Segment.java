package dev.hse4j.server.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;

/** One piece of an outgoing write: bytes in memory or a region of an open file. */
sealed interface Segment {

    /**
     * The remaining bytes of a buffer; the buffer's position advances as bytes are sent.
     *
     * @param taken told of each piece the network has taken (strict mode's guard), or {@code null}
     */
    record Memory(ByteBuffer buffer, Taken taken) implements Segment {
        Memory(ByteBuffer buffer) {
            this(buffer, null);
        }
    }

    /** Told when the network has taken a piece of a memory segment (strict mode, {@link BufferGuard}). */
    interface Taken {
        /**
         * @param buffer the segment's buffer
         * @param from the index of the piece's first byte
         * @param n the piece's length
         */
        void taken(ByteBuffer buffer, int from, int n);
    }

    /**
     * {@code length} bytes of {@code channel} from {@code offset}.
     *
     * @param close whether the server opened the channel and must close it
     */
    record FileRegion(FileChannel channel, long offset, long length, boolean close) implements Segment {
    }

    /** @return the bytes these segments carry (what is left of each buffer, each file region's length) */
    static long length(List<Segment> segments) {
        long n = 0;
        for (Segment s : segments) {
            n += s instanceof Memory m ? m.buffer().remaining() : ((FileRegion) s).length();
        }
        return n;
    }

    /** Closes the files the server opened for these segments (channels handed in by the extension stay open). */
    static void closeOwned(List<Segment> segments) {
        for (Segment s : segments) {
            if (s instanceof FileRegion f && f.close()) {
                try {
                    f.channel().close();
                } catch (IOException ignored) {
                    // the file was only read
                }
            }
        }
    }
}
