package dev.hse4j.api;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * HSE_RESPONSE_VECTOR: an ordered list of memory buffers and file regions for
 * {@link ExtensionControlBlock#vectorSend} / {@link ExtensionControlBlock#vectorSendAsync}, with an
 * optional status line and headers sent first. Immutable once built; its buffers belong to the server
 * until the send completes.
 */
public final class ResponseVector {

    /** One HSE_VECTOR_ELEMENT: a memory buffer or a file region. */
    public static final class Element {
        private final ByteBuffer buffer;
        private final Path path;
        private final FileChannel channel;
        private final long offset;
        private final long size;

        private Element(ByteBuffer buffer, Path path, FileChannel channel, long offset, long size) {
            this.buffer = buffer;
            this.path = path;
            this.channel = channel;
            this.offset = offset;
            this.size = size;
        }

        /** @return the memory buffer, or {@code null} for a file region */
        public ByteBuffer buffer() {
            return buffer;
        }

        /** @return the file's path, or {@code null} */
        public Path path() {
            return path;
        }

        /** @return the file's channel, or {@code null} */
        public FileChannel channel() {
            return channel;
        }

        /** @return the region's first byte */
        public long offset() {
            return offset;
        }

        /** @return the region's length; 0 = to the end of the file */
        public long size() {
            return size;
        }

        /** @return {@code true} for a file region */
        public boolean isFile() {
            return buffer == null;
        }
    }

    private final List<Element> elements;
    private final String status;
    private final String headers;
    private final boolean finalSend;
    private final boolean disconnectAfterSend;

    private ResponseVector(Builder b) {
        this.elements = Collections.unmodifiableList(new ArrayList<>(b.elements));
        this.status = b.status;
        this.headers = b.headers;
        this.finalSend = b.finalSend;
        this.disconnectAfterSend = b.disconnectAfterSend;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the elements, in send order */
    public List<Element> elements() {
        return elements;
    }

    /** @return HSE_IO_SEND_HEADERS: {@code true} if a status line and headers go first */
    public boolean sendHeaders() {
        return status != null || headers != null;
    }

    /** @return the status line, or {@code null} */
    public String status() {
        return status;
    }

    /** @return the headers, or {@code null} */
    public String headers() {
        return headers;
    }

    /** @return HSE_IO_FINAL_SEND: the response ends with this send; later writes fail */
    public boolean finalSend() {
        return finalSend;
    }

    /** @return HSE_IO_DISCONNECT_AFTER_SEND: close the connection once sent */
    public boolean disconnectAfterSend() {
        return disconnectAfterSend;
    }

    /** Builds a {@link ResponseVector}. */
    public static final class Builder {
        private final List<Element> elements = new ArrayList<>();
        private String status;
        private String headers;
        private boolean finalSend;
        private boolean disconnectAfterSend;

        private Builder() {
        }

        /**
         * Adds a memory buffer (HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER): its remaining bytes.
         *
         * @param buffer a buffer with at least one remaining byte (ISAPI: size 0 is invalid)
         * @return this
         */
        public Builder buffer(ByteBuffer buffer) {
            Objects.requireNonNull(buffer, "buffer");
            if (!buffer.hasRemaining()) {
                throw new IllegalArgumentException("a memory element must not be empty");
            }
            elements.add(new Element(buffer, null, null, 0, 0));
            return this;
        }

        /**
         * Adds a file region (HSE_VECTOR_ELEMENT_TYPE_FILE_HANDLE) by path; the server opens and closes it.
         *
         * @param file the file
         * @param offset first byte, {@code >= 0}
         * @param size bytes, {@code >= 0}; 0 = to the end of the file
         * @return this
         */
        public Builder file(Path file, long offset, long size) {
            check(offset, size);
            elements.add(new Element(null, Objects.requireNonNull(file, "file"), null, offset, size));
            return this;
        }

        /**
         * Adds a file region from an open channel; the server does not close it.
         *
         * @param channel the file
         * @param offset first byte, {@code >= 0}
         * @param size bytes, {@code >= 0}; 0 = to the end of the file
         * @return this
         */
        public Builder file(FileChannel channel, long offset, long size) {
            check(offset, size);
            elements.add(new Element(null, null, Objects.requireNonNull(channel, "channel"), offset, size));
            return this;
        }

        /**
         * HSE_IO_SEND_HEADERS with pszStatus and pszHeaders.
         *
         * @param status e.g. {@code "200 OK"}, or {@code null} for the ECB's status code
         * @param headers {@code "Name: value\r\n"} lines, or {@code null}
         * @return this
         */
        public Builder headers(String status, String headers) {
            this.status = status == null ? "" : status;
            this.headers = headers == null ? "" : headers;
            return this;
        }

        /**
         * HSE_IO_FINAL_SEND: this send ends the response body.
         *
         * @return this
         */
        public Builder finalSend() {
            this.finalSend = true;
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

        /** @return the vector */
        public ResponseVector build() {
            return new ResponseVector(this);
        }

        private static void check(long offset, long size) {
            if (offset < 0 || size < 0) {
                throw new IllegalArgumentException("offset and size must be >= 0");
            }
        }
    }
}
