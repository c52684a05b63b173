package dev.hse4j.api;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;

/**
 * HSE_TF_INFO: what {@link ExtensionControlBlock#transmitFile} sends, in order: the status line and
 * headers (if {@link Builder#sendHeaders}), the head buffer, {@code length} bytes of the file from
 * {@code offset} (0 = to the end of the file), the tail buffer. Build with {@link #builder(Path)} or
 * {@link #builder(FileChannel)}. Immutable once built; its buffers belong to the server until the
 * operation's completion.
 */
public final class TransmitFileInfo {

    private final Path path;
    private final FileChannel channel;
    private final long offset;
    private final long length;
    private final ByteBuffer head;
    private final ByteBuffer tail;
    private final boolean sendHeaders;
    private final String status;
    private final String headers;
    private final boolean disconnectAfterSend;
    private final IoCompletion completion;
    private final Object context;

    private TransmitFileInfo(Builder b) {
        this.path = b.path;
        this.channel = b.channel;
        this.offset = b.offset;
        this.length = b.length;
        this.head = b.head;
        this.tail = b.tail;
        this.sendHeaders = b.sendHeaders;
        this.status = b.status;
        this.headers = b.headers;
        this.disconnectAfterSend = b.disconnectAfterSend;
        this.completion = b.completion;
        this.context = b.context;
    }

    /**
     * @param file the file to send; the server opens and closes it
     * @return a builder
     */
    public static Builder builder(Path file) {
        return new Builder(Objects.requireNonNull(file, "file"), null);
    }

    /**
     * @param channel an open file; the server reads it with positional reads and does not close it
     * @return a builder
     */
    public static Builder builder(FileChannel channel) {
        return new Builder(null, Objects.requireNonNull(channel, "channel"));
    }

    /** @return the file's path, or {@code null} if built from a channel */
    public Path path() {
        return path;
    }

    /** @return the channel, or {@code null} if built from a path */
    public FileChannel channel() {
        return channel;
    }

    /** @return the first file byte to send */
    public long offset() {
        return offset;
    }

    /** @return how many file bytes to send; 0 means to the end of the file */
    public long length() {
        return length;
    }

    /** @return bytes sent before the file, or {@code null} */
    public ByteBuffer head() {
        return head;
    }

    /** @return bytes sent after the file, or {@code null} */
    public ByteBuffer tail() {
        return tail;
    }

    /** @return HSE_IO_SEND_HEADERS: send {@link #status()} and {@link #headers()} first */
    public boolean sendHeaders() {
        return sendHeaders;
    }

    /** @return the status line, e.g. {@code "200 OK"}, or {@code null} */
    public String status() {
        return status;
    }

    /** @return headers as {@code "Name: value\r\n"} lines, or {@code null} */
    public String headers() {
        return headers;
    }

    /** @return HSE_IO_DISCONNECT_AFTER_SEND: close the connection once sent (still call doneWithSession) */
    public boolean disconnectAfterSend() {
        return disconnectAfterSend;
    }

    /** @return pfnHseIO: this operation's own callback, or {@code null} for the registered one */
    public IoCompletion completion() {
        return completion;
    }

    /** @return pContext: the context for {@link #completion()} */
    public Object context() {
        return context;
    }

    /** Builds a {@link TransmitFileInfo}. */
    public static final class Builder {
        private final Path path;
        private final FileChannel channel;
        private long offset;
        private long length;
        private ByteBuffer head;
        private ByteBuffer tail;
        private boolean sendHeaders;
        private String status;
        private String headers;
        private boolean disconnectAfterSend;
        private IoCompletion completion;
        private Object context;

        private Builder(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        /**
         * @param offset first file byte to send, {@code >= 0}
         * @param length bytes to send, {@code >= 0}; 0 = to the end of the file
         * @return this
         */
        public Builder region(long offset, long length) {
            if (offset < 0 || length < 0) {
                throw new IllegalArgumentException("offset and length must be >= 0");
            }
            this.offset = offset;
            this.length = length;
            return this;
        }

        /**
         * @param head bytes sent before the file (pHead), or {@code null}
         * @return this
         */
        public Builder head(ByteBuffer head) {
            this.head = head;
            return this;
        }

        /**
         * @param tail bytes sent after the file (pTail), or {@code null}
         * @return this
         */
        public Builder tail(ByteBuffer tail) {
            this.tail = tail;
            return this;
        }

        /**
         * HSE_IO_SEND_HEADERS: send a status line and headers first. No other header call may be made.
         *
         * @param status e.g. {@code "200 OK"}, or {@code null} for the ECB's status code
         * @param headers {@code "Name: value\r\n"} lines, or {@code null}
         * @return this
         */
        public Builder sendHeaders(String status, String headers) {
            this.sendHeaders = true;
            this.status = status;
            this.headers = headers;
            return this;
        }

        /**
         * HSE_IO_DISCONNECT_AFTER_SEND.
         *
         * @return this
         */
        public Builder disconnectAfterSend() {
            this.disconnectAfterSend = true;
            return this;
        }

        /**
         * pfnHseIO and pContext: a callback for this operation only, instead of the registered one.
         *
         * @param completion the callback
         * @param context its context, or {@code null}
         * @return this
         */
        public Builder completion(IoCompletion completion, Object context) {
            this.completion = Objects.requireNonNull(completion, "completion");
            this.context = context;
            return this;
        }

        /** @return the info */
        public TransmitFileInfo build() {
            return new TransmitFileInfo(this);
        }
    }
}
