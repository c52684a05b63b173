package dev.hse4j.server.host;

import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.ResponseVector;
import dev.hse4j.api.TransmitFileInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns TransmitFile and VectorSend requests into write segments, checking every file region before
 * anything is sent: a missing file or an offset past the end fails the call, it never becomes a short
 * response.
 */
final class FileSegments {

    /** Segments ready to write, and the header to send first (or null). */
    record Prepared(List<Segment> segments, ResponseHead head) {
        void closeFiles() {
            Segment.closeOwned(segments);
        }
    }

    private FileSegments() {
    }

    static Prepared forTransmitFile(TransmitFileInfo info, int defaultStatus) throws IsapiException {
        ResponseHead head = info.sendHeaders() ? ResponseHead.parse(info.status(), info.headers(), defaultStatus) : null;
        List<Segment> out = new ArrayList<>(3);
        if (info.head() != null) {
            out.add(new Segment.Memory(info.head()));
        }
        Prepared p = new Prepared(out, head);
        try {
            out.add(region(info.path(), info.channel(), info.offset(), info.length()));
        } catch (IsapiException e) {
            p.closeFiles();
            throw e;
        }
        if (info.tail() != null) {
            out.add(new Segment.Memory(info.tail()));
        }
        return p;
    }

    static Prepared forVector(ResponseVector v, int defaultStatus) throws IsapiException {
        ResponseHead head = v.sendHeaders() ? ResponseHead.parse(v.status(), v.headers(), defaultStatus) : null;
        List<Segment> out = new ArrayList<>(v.elements().size());
        Prepared p = new Prepared(out, head);
        try {
            for (ResponseVector.Element e : v.elements()) {
                out.add(e.isFile() ? region(e.path(), e.channel(), e.offset(), e.size()) : new Segment.Memory(e.buffer()));
            }
        } catch (IsapiException e) {
            p.closeFiles();
            throw e;
        }
        return p;
    }

    private static Segment.FileRegion region(Path path, FileChannel channel, long offset, long length)
            throws IsapiException {
        FileChannel ch = channel;
        boolean opened = false;
        try {
            if (ch == null) {
                ch = FileChannel.open(path, StandardOpenOption.READ);
                opened = true;
            }
            long size = ch.size();
            if (offset > size) {
                throw new IsapiException(IsapiError.WSAEINVAL, "offset " + offset + " is past the end of the file ("
                        + size + " bytes)");
            }
            long n = length == 0 ? size - offset : length;
            if (offset + n > size) {
                throw new IsapiException(IsapiError.WSAEINVAL, "region " + offset + "+" + n
                        + " runs past the end of the file (" + size + " bytes)");
            }
            Segment.FileRegion r = new Segment.FileRegion(ch, offset, n, opened);
            opened = false;
            return r;
        } catch (IsapiException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new IsapiException(IsapiError.FILE_NOT_FOUND, "no such file: " + path);
        } catch (IOException e) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "cannot read the file: " + e.getMessage(), e);
        } finally {
            if (opened) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // read-only file
                }
            }
        }
    }

}
