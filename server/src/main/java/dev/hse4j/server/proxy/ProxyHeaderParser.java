package dev.hse4j.server.proxy;

import dev.hse4j.api.RedirectRecord.Command;
import dev.hse4j.api.RedirectRecord.Family;
import dev.hse4j.api.RedirectRecord.Ssl;
import dev.hse4j.api.RedirectRecord.Tlv;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a PROXY protocol header (v1 text or v2 binary, detected) from the start of a buffer, strictly, as
 * the specification (haproxy.org {@code proxy-protocol.txt}) lays it out.
 *
 * <p>It is a pure function of the bytes seen so far: call {@link #parse} with everything received since the
 * connection opened (from the buffer's position to its limit; neither is changed). It answers
 * {@link NeedMore} while every byte so far could still begin a valid header, {@link Invalid} as soon as one
 * cannot (so garbage is refused at its first byte, an oversized v2 header at its length field), and
 * {@link Complete} with the record and the header's length once it is whole. Bytes after the header are
 * not looked at: they are the next protocol's. Re-parsing from the start on every read keeps it stateless;
 * headers are small and a connection parses one.
 */
public final class ProxyHeaderParser {

    /** The v2 signature: {@code \r\n\r\n\0\r\nQUIT\n}. */
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** The v1 prefix. */
    static final byte[] V1_PREFIX = {'P', 'R', 'O', 'X', 'Y', ' '};
    /** The longest v1 line, CRLF included (the specification's 107). */
    public static final int V1_MAX = 107;
    /** The v2 fixed part: signature, version/command, family, length. */
    static final int V2_FIXED = 16;
    /** The largest header the specification allows: the v2 fixed part plus a 16-bit length. */
    public static final int V2_MAX = V2_FIXED + 0xFFFF;
    /** The smallest size limit that still admits every address layout (a v2 UNIX header without TLVs). */
    public static final int MIN_LIMIT = V2_FIXED + 216;
    /** The specification's limit on {@code PP2_TYPE_UNIQUE_ID}. */
    static final int UNIQUE_ID_MAX = 128;

    private ProxyHeaderParser() {
    }

    /** What {@link #parse} found. */
    public sealed interface Result permits NeedMore, Complete, Invalid {
    }

    /** Every byte so far fits a header; read more. */
    public record NeedMore() implements Result {
    }

    /**
     * A whole, valid header.
     *
     * @param record the record (for a v2 {@code LOCAL} header too; the caller decides what to keep)
     * @param length the header's length: the next protocol's bytes start there
     */
    public record Complete(ParsedRecord record, int length) implements Result {
    }

    /**
     * Not a valid header.
     *
     * @param reason the counter it goes to
     * @param detail what was wrong, for the log (never sent to the peer)
     */
    public record Invalid(Rejection reason, String detail) implements Result {
    }

    private static final NeedMore NEED_MORE = new NeedMore();

    /**
     * @param in the bytes received so far, from its position to its limit (unchanged)
     * @param limit the largest header accepted, at least {@link #MIN_LIMIT}
     * @return what the bytes are
     */
    public static Result parse(ByteBuffer in, int limit) {
        ByteBuffer b = in.slice();
        if (!b.hasRemaining()) {
            return NEED_MORE;
        }
        if (b.get(0) == V1_PREFIX[0]) {
            return v1(b);
        }
        if (b.get(0) == V2_SIGNATURE[0]) {
            return v2(b, limit);
        }
        return new Invalid(Rejection.NO_HEADER, String.format("first byte 0x%02x starts no PROXY header", b.get(0)));
    }

    // ------------------------------------------------------------------------------------------ v1

    private static Result v1(ByteBuffer b) {
        int n = Math.min(b.remaining(), V1_MAX);
        for (int i = 0; i < Math.min(n, V1_PREFIX.length); i++) {
            if (b.get(i) != V1_PREFIX[i]) {
                return new Invalid(Rejection.NO_HEADER, "starts with 'P' but not with 'PROXY '");
            }
        }
        int lf = -1;
        for (int i = 0; i < n; i++) {
            byte c = b.get(i);
            if (c == '\n') {
                lf = i;
                break;
            }
            if (c == '\r') {
                if (i + 1 < n && b.get(i + 1) != '\n') {
                    return new Invalid(Rejection.MALFORMED, "v1: CR not followed by LF");
                }
                continue;
            }
            if (c < 0x20 || c > 0x7E) {
                return new Invalid(Rejection.MALFORMED, String.format("v1: byte 0x%02x in the line", c & 0xFF));
            }
        }
        if (lf < 0) {
            return b.remaining() >= V1_MAX
                    ? new Invalid(Rejection.OVERSIZED, "v1: no CRLF within " + V1_MAX + " bytes")
                    : NEED_MORE;
        }
        if (lf == 0 || b.get(lf - 1) != '\r') {
            return new Invalid(Rejection.MALFORMED, "v1: line ends in LF without CR");
        }
        byte[] raw = new byte[lf + 1];
        b.get(0, raw);
        String line = new String(raw, 0, lf - 1, StandardCharsets.US_ASCII);
        String[] f = line.split(" ", -1);
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            // The specification: a receiver must ignore whatever follows UNKNOWN up to the CRLF.
            return new Complete(new ParsedRecord(1, Command.PROXY, Family.UNSPEC, null, null, null, null, List.of(),
                    null, raw), raw.length);
        }
        if (f.length != 6) {
            return new Invalid(Rejection.MALFORMED, "v1: " + f.length + " fields where 6 were expected");
        }
        boolean v4;
        if (f[1].equals("TCP4")) {
            v4 = true;
        } else if (f[1].equals("TCP6")) {
            v4 = false;
        } else {
            return new Invalid(Rejection.MALFORMED, "v1: unknown protocol '" + clip(f[1]) + "'");
        }
        InetAddress src = v4 ? ipv4(f[2]) : ipv6(f[2]);
        InetAddress dst = v4 ? ipv4(f[3]) : ipv6(f[3]);
        int sport = port(f[4]);
        int dport = port(f[5]);
        if (src == null || dst == null) {
            return new Invalid(Rejection.MALFORMED, "v1: not an " + (v4 ? "IPv4" : "IPv6") + " address: '"
                    + clip(src == null ? f[2] : f[3]) + "'");
        }
        if (sport < 0 || dport < 0) {
            return new Invalid(Rejection.MALFORMED, "v1: not a port: '" + clip(sport < 0 ? f[4] : f[5]) + "'");
        }
        return new Complete(new ParsedRecord(1, Command.PROXY, v4 ? Family.TCP4 : Family.TCP6,
                new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport), null, null, List.of(), null, raw),
                raw.length);
    }

    /** A dotted quad without leading zeros, as {@code inet_pton}; never a host name, never DNS. */
    static InetAddress ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] a = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            a[i] = (byte) v;
        }
        return byAddress(a);
    }

    /**
     * An IPv6 literal. Only hex digits, ':' and '.' (for an embedded IPv4 tail) get this far, and a string
     * with ':' is parsed by the JDK as a literal, never looked up.
     */
    static InetAddress ipv6(String s) {
        if (s.isEmpty() || s.length() > 45 || s.indexOf(':') < 0) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return null;
            }
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** 0 to 65535 in decimal without leading zeros; -1 if not. */
    static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 0xFFFF ? v : -1;
    }

    // ------------------------------------------------------------------------------------------ v2

    private static Result v2(ByteBuffer b, int limit) {
        int n = b.remaining();
        for (int i = 0; i < Math.min(n, V2_SIGNATURE.length); i++) {
            if (b.get(i) != V2_SIGNATURE[i]) {
                return new Invalid(Rejection.NO_HEADER, "starts with CR but not with the v2 signature");
            }
        }
        if (n > 12) {
            int verCmd = b.get(12) & 0xFF;
            if ((verCmd >> 4) != 2) {
                return new Invalid(Rejection.MALFORMED, "v2: version " + (verCmd >> 4));
            }
            if ((verCmd & 0xF) > 1) {
                return new Invalid(Rejection.MALFORMED, "v2: command " + (verCmd & 0xF));
            }
        }
        if (n > 13 && Family.ofCode(b.get(13) & 0xFF) == null) {
            return new Invalid(Rejection.MALFORMED, String.format("v2: family/transport 0x%02x", b.get(13) & 0xFF));
        }
        if (n < V2_FIXED) {
            return NEED_MORE;
        }
        int len = b.getShort(14) & 0xFFFF;
        int total = V2_FIXED + len;
        if (total > limit) {
            return new Invalid(Rejection.OVERSIZED, "v2: " + total + " bytes, the limit is " + limit);
        }
        if (n < total) {
            return NEED_MORE;
        }
        byte[] raw = new byte[total];
        b.get(0, raw);
        return v2Body(raw);
    }

    private static Result v2Body(byte[] raw) {
        ByteBuffer h = ByteBuffer.wrap(raw);
        Command command = (raw[12] & 0xF) == 0 ? Command.LOCAL : Command.PROXY;
        Family family = Family.ofCode(raw[13] & 0xFF);
        int addressBytes = switch (family) {
            case UNSPEC -> 0;
            case TCP4, UDP4 -> 12;
            case TCP6, UDP6 -> 36;
            case UNIX_STREAM, UNIX_DGRAM -> 216;
        };
        if (raw.length - V2_FIXED < addressBytes) {
            return new Invalid(Rejection.MALFORMED, "v2: " + (raw.length - V2_FIXED) + " bytes after the fixed part, "
                    + family + " addresses need " + addressBytes);
        }
        h.position(V2_FIXED);
        InetSocketAddress src = null;
        InetSocketAddress dst = null;
        String srcPath = null;
        String dstPath = null;
        switch (family) {
            case TCP4, UDP4, TCP6, UDP6 -> {
                byte[] s = new byte[addressBytes == 12 ? 4 : 16];
                byte[] d = new byte[s.length];
                h.get(s).get(d);
                int sport = h.getShort() & 0xFFFF;
                int dport = h.getShort() & 0xFFFF;
                src = new InetSocketAddress(byAddress(s), sport);
                dst = new InetSocketAddress(byAddress(d), dport);
            }
            case UNIX_STREAM, UNIX_DGRAM -> {
                byte[] s = new byte[108];
                byte[] d = new byte[108];
                h.get(s).get(d);
                srcPath = unixPath(s);
                dstPath = unixPath(d);
            }
            default -> {
                // UNSPEC: no address block
            }
        }
        List<Tlv> tlvs = new ArrayList<>();
        Ssl ssl = null;
        int crcAt = -1;
        while (h.hasRemaining()) {
            if (h.remaining() < 3) {
                return new Invalid(Rejection.MALFORMED, "v2: " + h.remaining() + " stray bytes after the last TLV");
            }
            int type = h.get() & 0xFF;
            int len = h.getShort() & 0xFFFF;
            if (len > h.remaining()) {
                return new Invalid(Rejection.MALFORMED, String.format("v2: TLV 0x%02x of %d bytes overruns the header "
                        + "(%d left)", type, len, h.remaining()));
            }
            int valueAt = h.position();
            byte[] value = new byte[len];
            h.get(value);
            switch (type) {
                case Tlv.CRC32C -> {
                    if (len != 4) {
                        return new Invalid(Rejection.MALFORMED, "v2: CRC32C TLV of " + len + " bytes");
                    }
                    if (crcAt >= 0) {
                        return new Invalid(Rejection.MALFORMED, "v2: two CRC32C TLVs");
                    }
                    crcAt = valueAt;
                }
                case Tlv.UNIQUE_ID -> {
                    if (len > UNIQUE_ID_MAX) {
                        return new Invalid(Rejection.MALFORMED, "v2: UNIQUE_ID of " + len + " bytes (at most 128)");
                    }
                }
                case Tlv.AUTHORITY -> {
                    if (!isUtf8(value)) {
                        return new Invalid(Rejection.MALFORMED, "v2: AUTHORITY is not UTF-8");
                    }
                }
                case Tlv.SSL -> {
                    if (ssl != null) {
                        return new Invalid(Rejection.MALFORMED, "v2: two SSL TLVs");
                    }
                    Object parsed = ssl(value);
                    if (parsed instanceof Invalid bad) {
                        return bad;
                    }
                    ssl = (Ssl) parsed;
                }
                default -> {
                    // ALPN, NOOP, NETNS, custom (0xE0-0xEF), experimental and future types: kept as they came
                }
            }
            tlvs.add(new Tlv(type, value));
        }
        if (crcAt >= 0) {
            long expected = h.getInt(crcAt) & 0xFFFFFFFFL;
            byte[] zeroed = raw.clone();
            zeroed[crcAt] = zeroed[crcAt + 1] = zeroed[crcAt + 2] = zeroed[crcAt + 3] = 0;
            CRC32C crc = new CRC32C();
            crc.update(zeroed);
            if (crc.getValue() != expected) {
                return new Invalid(Rejection.BAD_CRC, String.format("v2: CRC32C 0x%08x, the bytes give 0x%08x",
                        expected, crc.getValue()));
            }
        }
        return new Complete(new ParsedRecord(2, command, family, src, dst, srcPath, dstPath, tlvs, ssl, raw), raw.length);
    }

    /** {@code u8 client; u32 verify; sub-TLVs}: an {@link Ssl}, or an {@link Invalid}. */
    private static Object ssl(byte[] value) {
        if (value.length < 5) {
            return new Invalid(Rejection.MALFORMED, "v2: SSL TLV of " + value.length + " bytes (at least 5)");
        }
        ByteBuffer v = ByteBuffer.wrap(value);
        int client = v.get() & 0xFF;
        long verify = v.getInt() & 0xFFFFFFFFL;
        List<Tlv> subs = new ArrayList<>();
        while (v.hasRemaining()) {
            if (v.remaining() < 3) {
                return new Invalid(Rejection.MALFORMED, "v2: stray bytes after the last SSL sub-TLV");
            }
            int type = v.get() & 0xFF;
            int len = v.getShort() & 0xFFFF;
            if (len > v.remaining()) {
                return new Invalid(Rejection.MALFORMED, String.format("v2: SSL sub-TLV 0x%02x overruns the SSL TLV", type));
            }
            byte[] sub = new byte[len];
            v.get(sub);
            subs.add(new Tlv(type, sub));
        }
        return new Ssl(client, verify, subs);
    }

    private static String unixPath(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static InetAddress byAddress(byte[] a) {
        try {
            return InetAddress.getByAddress(a); // 4 or 16 bytes: never fails, never looks anything up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String clip(String s) {
        return s.length() > 48 ? s.substring(0, 48) + "..." : s;
    }
}
