package dev.hse4j.samples.proxy;

/**
 * Decodes an HTTP/1.1 chunked body in place, byte by byte, so chunk boundaries may fall anywhere between
 * reads. Chunk extensions and trailers are skipped.
 */
final class ChunkedDecoder {

    private enum State { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_LINE_START, TRAILER, TRAILER_LF, DONE }

    private State state = State.SIZE;
    private long remaining;
    private int sizeDigits;
    private boolean trailerLineEmpty;

    /** Thrown for a malformed chunked body. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String m) {
            super(m);
        }
    }

    /**
     * Decodes {@code len} bytes at {@code a[off]}, writing the data bytes back from {@code a[off]}.
     *
     * @return how many data bytes are now at {@code a[off]}
     * @throws MalformedException for a malformed body
     */
    private boolean extra;

    int decode(byte[] a, int off, int len) throws MalformedException {
        int w = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte b = a[i];
            switch (state) {
                case SIZE -> {
                    int v = Character.digit(b, 16);
                    if (v >= 0) {
                        if (++sizeDigits > 15) {
                            throw new MalformedException("chunk size too long");
                        }
                        remaining = remaining * 16 + v;
                    } else if (sizeDigits == 0) {
                        throw new MalformedException("no chunk size");
                    } else if (b == ';' || b == ' ' || b == '\t') {
                        state = State.EXTENSION;
                    } else if (b == '\r') {
                        state = State.SIZE_LF;
                    } else {
                        throw new MalformedException("bad chunk size");
                    }
                }
                case EXTENSION -> {
                    if (b == '\r') {
                        state = State.SIZE_LF;
                    }
                }
                case SIZE_LF -> {
                    if (b != '\n') {
                        throw new MalformedException("chunk size line without LF");
                    }
                    sizeDigits = 0;
                    if (remaining == 0) {
                        state = State.TRAILER_LINE_START;
                    } else {
                        state = State.DATA;
                    }
                }
                case DATA -> {
                    int n = (int) Math.min(remaining, end - i);
                    System.arraycopy(a, i, a, w, n);
                    w += n;
                    i += n - 1;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DATA_CR;
                    }
                }
                case DATA_CR -> {
                    if (b != '\r') {
                        throw new MalformedException("chunk data without CRLF");
                    }
                    state = State.DATA_LF;
                }
                case DATA_LF -> {
                    if (b != '\n') {
                        throw new MalformedException("chunk data without CRLF");
                    }
                    state = State.SIZE;
                }
                case TRAILER_LINE_START -> {
                    trailerLineEmpty = b == '\r';
                    state = b == '\r' ? State.TRAILER_LF : State.TRAILER;
                }
                case TRAILER -> {
                    if (b == '\r') {
                        state = State.TRAILER_LF;
                    }
                }
                case TRAILER_LF -> {
                    if (b != '\n') {
                        throw new MalformedException("trailer without LF");
                    }
                    state = trailerLineEmpty ? State.DONE : State.TRAILER_LINE_START;
                }
                case DONE -> {
                    extra = true; // bytes after the body: ignored, and the upstream connection is not reused
                    return w - off;
                }
            }
        }
        return w - off;
    }

    /** @return whether bytes came after the end of the body */
    boolean hadExtraBytes() {
        return extra;
    }

    /** @return whether the last chunk and the trailers have been read */
    boolean isDone() {
        return state == State.DONE;
    }
}
