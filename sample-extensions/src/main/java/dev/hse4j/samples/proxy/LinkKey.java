package dev.hse4j.samples.proxy;

import java.util.Arrays;

/**
 * Which client connection an upstream link belongs to: the PROXY header it began with. Its hash is computed
 * once (the pool looks a key up two to four times per request; a {@code ByteBuffer} key hashed its bytes
 * each time).
 */
final class LinkKey {

    final byte[] header;
    private final int hash;

    LinkKey(byte[] header) {
        this.header = header;
        this.hash = Arrays.hashCode(header);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinkKey k && k.hash == hash && Arrays.equals(k.header, header);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
