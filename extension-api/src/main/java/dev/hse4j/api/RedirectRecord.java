package dev.hse4j.api;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The redirect record of a connection that reached hse4j through a trusted load balancer or proxy: the
 * PROXY protocol (v1 or v2) header that the balancer sent at the start of the connection. It relates the
 * connection hse4j accepted to the client's original one, as a WFP redirect record does. Immutable.
 *
 * <p>Extensions get it from {@link ExtensionControlBlock#redirectRecord()} (this parsed view) or
 * {@link ExtensionControlBlock#queryRedirectRecord(byte[])} (the raw bytes, with two-call sizing), and only
 * when their {@link ExtensionSettings#redirectRecords()} asks for it: records identify clients.
 *
 * <p>The addresses in it come from the balancer: they say where a connection came from, never who the
 * client is. Do not use them for authentication.
 *
 * <p>Layouts (the PROXY protocol specification, haproxy.org {@code proxy-protocol.txt}): version 1 is one
 * text line, {@code PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n}, at most 107 bytes; version 2 is a
 * 16-byte binary prefix (signature, version and command, family and transport, length), the addresses, then
 * type-length-value fields ({@link Tlv}) in the order the balancer wrote them.
 */
public interface RedirectRecord {

    /** The v2 command (v1 headers are always {@link #PROXY}). */
    enum Command {
        /**
         * The balancer opened the connection on its own behalf (HAProxy's health checks): no client, the
         * addresses are the real ones. hse4j accepts it and gives the connection no record.
         */
        LOCAL,
        /** The connection relays a client's: the header carries the client's addresses. */
        PROXY
    }

    /**
     * The address family and transport of the header: the v2 byte {@code 0x00, 0x11, 0x12, 0x21, 0x22,
     * 0x31, 0x32}; v1 {@code TCP4}, {@code TCP6} and {@code UNKNOWN} ({@link #UNSPEC}).
     */
    enum Family {
        /** Unknown or unspecified: the header carries no address. */
        UNSPEC(0x00),
        /** TCP over IPv4. */
        TCP4(0x11),
        /** UDP over IPv4. */
        UDP4(0x12),
        /** TCP over IPv6. */
        TCP6(0x21),
        /** UDP over IPv6. */
        UDP6(0x22),
        /** A UNIX stream socket (addresses are paths). */
        UNIX_STREAM(0x31),
        /** A UNIX datagram socket (addresses are paths). */
        UNIX_DGRAM(0x32);

        private final int code;

        Family(int code) {
            this.code = code;
        }

        /** @return the v2 family-and-transport byte */
        public int code() {
            return code;
        }

        /**
         * @param code a v2 family-and-transport byte
         * @return its family, or {@code null} when the specification does not define it
         */
        public static Family ofCode(int code) {
            for (Family f : values()) {
                if (f.code == code) {
                    return f;
                }
            }
            return null;
        }
    }

    /** @return the PROXY protocol version of the header: 1 (text) or 2 (binary) */
    int version();

    /** @return the command: always {@link Command#PROXY} for version 1 */
    Command command();

    /** @return the address family and transport */
    Family family();

    /**
     * @return the original client's address and port as the balancer reported them, or {@code null} when
     *         the header carries none (v1 {@code UNKNOWN}, v2 {@code LOCAL}, family {@code UNSPEC} or UNIX)
     */
    InetSocketAddress source();

    /** @return the address and port the client connected to, or {@code null} when the header carries none */
    InetSocketAddress destination();

    /** @return the client's UNIX socket path (families UNIX_*), or {@code null} */
    String sourcePath();

    /** @return the UNIX socket path the client connected to (families UNIX_*), or {@code null} */
    String destinationPath();

    /**
     * @return the v2 TLVs exactly in the order they were received, duplicates and {@link Tlv#NOOP} padding
     *         included; the SSL TLV appears once as a whole, its sub-TLVs are in {@link #ssl()}. Empty for
     *         version 1. Unmodifiable.
     */
    List<Tlv> tlvs();

    /**
     * @param type a TLV type, e.g. {@link Tlv#AUTHORITY}
     * @return the first TLV of that type, or {@code null}
     */
    default Tlv tlv(int type) {
        for (Tlv t : tlvs()) {
            if (t.type() == type) {
                return t;
            }
        }
        return null;
    }

    /**
     * @return {@code PP2_TYPE_AUTHORITY}: the host name the client asked for (TLS SNI, or the Host the
     *         balancer saw), decoded as UTF-8; {@code null} when absent
     */
    default String authority() {
        Tlv t = tlv(Tlv.AUTHORITY);
        return t == null ? null : t.valueAsString();
    }

    /**
     * @return {@code PP2_TYPE_UNIQUE_ID}: the balancer's id for this connection (HAProxy's
     *         {@code unique-id-format}), at most 128 bytes; a copy, {@code null} when absent
     */
    default byte[] uniqueId() {
        Tlv t = tlv(Tlv.UNIQUE_ID);
        return t == null ? null : t.value();
    }

    /** @return the {@code PP2_TYPE_SSL} TLV, parsed, or {@code null} when the header has none */
    Ssl ssl();

    /** @return the size of the header in bytes, as received */
    int length();

    /** @return a copy of the header's bytes exactly as they were received */
    byte[] toByteArray();

    /** One type-length-value field of a v2 header (or a sub-TLV of the SSL TLV). Immutable. */
    final class Tlv {
        /** {@code PP2_TYPE_ALPN}: the application protocol the client negotiated, e.g. {@code h2}. */
        public static final int ALPN = 0x01;
        /** {@code PP2_TYPE_AUTHORITY}: the host name (SNI), UTF-8. */
        public static final int AUTHORITY = 0x02;
        /** {@code PP2_TYPE_CRC32C}: a CRC32C of the whole header, checked by hse4j on arrival. */
        public static final int CRC32C = 0x03;
        /** {@code PP2_TYPE_NOOP}: padding, to be ignored. */
        public static final int NOOP = 0x04;
        /** {@code PP2_TYPE_UNIQUE_ID}: an opaque connection id of at most 128 bytes. */
        public static final int UNIQUE_ID = 0x05;
        /** {@code PP2_TYPE_SSL}: how the client reached the balancer over TLS; see {@link Ssl}. */
        public static final int SSL = 0x20;
        /** {@code PP2_SUBTYPE_SSL_VERSION}: the TLS version, e.g. {@code TLSv1.3} (US-ASCII). */
        public static final int SSL_VERSION = 0x21;
        /** {@code PP2_SUBTYPE_SSL_CN}: the client certificate's Common Name (UTF-8). */
        public static final int SSL_CN = 0x22;
        /** {@code PP2_SUBTYPE_SSL_CIPHER}: the cipher suite, e.g. {@code TLS_AES_128_GCM_SHA256}. */
        public static final int SSL_CIPHER = 0x23;
        /** {@code PP2_SUBTYPE_SSL_SIG_ALG}: the certificate's signature algorithm. */
        public static final int SSL_SIG_ALG = 0x24;
        /** {@code PP2_SUBTYPE_SSL_KEY_ALG}: the certificate's key algorithm. */
        public static final int SSL_KEY_ALG = 0x25;
        /** {@code PP2_TYPE_NETNS}: the network namespace name (US-ASCII). */
        public static final int NETNS = 0x30;

        private final int type;
        private final byte[] value;

        /**
         * @param type the type, 0 to 255
         * @param value the value, at most 65,535 bytes; copied
         */
        public Tlv(int type, byte[] value) {
            if (type < 0 || type > 0xFF) {
                throw new IllegalArgumentException("TLV type out of range: " + type);
            }
            if (value.length > 0xFFFF) {
                throw new IllegalArgumentException("TLV value longer than 65535 bytes: " + value.length);
            }
            this.type = type;
            this.value = value.clone();
        }

        /** @return the type, 0 to 255 */
        public int type() {
            return type;
        }

        /** @return a copy of the value */
        public byte[] value() {
            return value.clone();
        }

        /** @return the value's length in bytes */
        public int length() {
            return value.length;
        }

        /** @return the value decoded as UTF-8 (US-ASCII values decode the same) */
        public String valueAsString() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tlv t && t.type == type && Arrays.equals(t.value, value);
        }

        @Override
        public int hashCode() {
            return 31 * type + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return String.format("TLV[0x%02x, %d bytes]", type, value.length);
        }
    }

    /**
     * The {@code PP2_TYPE_SSL} TLV: {@code u8 client; u32 verify; sub-TLVs}. Present when the client reached
     * the balancer over TLS (or, for {@link #certConn()}, with a certificate). Immutable.
     */
    final class Ssl {
        /** {@code PP2_CLIENT_SSL}: the client connected over TLS. */
        public static final int CLIENT_SSL = 0x01;
        /** {@code PP2_CLIENT_CERT_CONN}: the client sent a certificate on this connection. */
        public static final int CLIENT_CERT_CONN = 0x02;
        /** {@code PP2_CLIENT_CERT_SESS}: the client sent a certificate at least once in this TLS session. */
        public static final int CLIENT_CERT_SESS = 0x04;

        private final int client;
        private final long verify;
        private final List<Tlv> subTlvs;

        /**
         * @param client the client bits
         * @param verify the verify result (0: a certificate was presented and verified)
         * @param subTlvs the sub-TLVs in wire order; copied
         */
        public Ssl(int client, long verify, List<Tlv> subTlvs) {
            this.client = client;
            this.verify = verify;
            this.subTlvs = Collections.unmodifiableList(new ArrayList<>(subTlvs));
        }

        /** @return the client bits ({@link #CLIENT_SSL}, {@link #CLIENT_CERT_CONN}, {@link #CLIENT_CERT_SESS}) */
        public int client() {
            return client;
        }

        /** @return whether the client connected to the balancer over TLS */
        public boolean isTls() {
            return (client & CLIENT_SSL) != 0;
        }

        /** @return the verify field: 0 when the client presented a certificate that was verified */
        public long verify() {
            return verify;
        }

        /** @return the sub-TLVs in wire order; unmodifiable */
        public List<Tlv> subTlvs() {
            return subTlvs;
        }

        /**
         * @param type a sub-TLV type, e.g. {@link Tlv#SSL_CIPHER}
         * @return the first sub-TLV's value as text, or {@code null}
         */
        public String get(int type) {
            for (Tlv t : subTlvs) {
                if (t.type() == type) {
                    return t.valueAsString();
                }
            }
            return null;
        }

        /** @return the TLS version, e.g. {@code TLSv1.3}, or {@code null} */
        public String version() {
            return get(Tlv.SSL_VERSION);
        }

        /** @return the cipher suite, or {@code null} */
        public String cipher() {
            return get(Tlv.SSL_CIPHER);
        }

        /** @return the client certificate's Common Name, or {@code null} */
        public String commonName() {
            return get(Tlv.SSL_CN);
        }

        @Override
        public String toString() {
            return "SSL[client=" + client + ", verify=" + verify + ", " + subTlvs + "]";
        }
    }
}
