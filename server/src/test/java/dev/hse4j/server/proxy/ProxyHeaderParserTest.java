package dev.hse4j.server.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hse4j.api.RedirectRecord;
import dev.hse4j.api.RedirectRecord.Command;
import dev.hse4j.api.RedirectRecord.Family;
import dev.hse4j.api.RedirectRecord.Tlv;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The parser against the byte layouts of the PROXY protocol specification. */
class ProxyHeaderParserTest {

    private static final int LIMIT = 4096;

    private static ProxyHeaderParser.Result parse(byte[] b) {
        return ProxyHeaderParser.parse(ByteBuffer.wrap(b), LIMIT);
    }

    private static RedirectRecord complete(byte[] b) {
        ProxyHeaderParser.Result r = parse(b);
        ProxyHeaderParser.Complete c = assertInstanceOf(ProxyHeaderParser.Complete.class, r, () -> r.toString());
        assertEquals(b.length, c.length());
        assertArrayEquals(b, c.record().toByteArray(), "the raw bytes are kept exactly");
        return c.record();
    }

    private static Rejection invalid(byte[] b) {
        ProxyHeaderParser.Result r = parse(b);
        return assertInstanceOf(ProxyHeaderParser.Invalid.class, r, () -> r.toString()).reason();
    }

    private static InetSocketAddress a(String host, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** Every strict prefix of a valid header asks for more: a header split across reads at any byte. */
    private static void everyPrefixNeedsMore(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            ProxyHeaderParser.Result r = ProxyHeaderParser.parse(ByteBuffer.wrap(b, 0, i), LIMIT);
            assertInstanceOf(ProxyHeaderParser.NeedMore.class, r, "prefix of " + i + " bytes: " + r);
        }
    }

    // ------------------------------------------------------------------------------------------ v1

    @Test
    void v1Tcp4() throws Exception {
        byte[] b = "PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n".getBytes(StandardCharsets.US_ASCII);
        RedirectRecord r = complete(b);
        assertEquals(1, r.version());
        assertEquals(Command.PROXY, r.command());
        assertEquals(Family.TCP4, r.family());
        assertEquals(a("192.0.2.10", 56324), r.source());
        assertEquals(a("198.51.100.1", 443), r.destination());
        assertTrue(r.tlvs().isEmpty());
        everyPrefixNeedsMore(b);
    }

    @Test
    void v1Tcp6() throws Exception {
        byte[] b = "PROXY TCP6 2001:db8::1 ::1 65535 0\r\n".getBytes(StandardCharsets.US_ASCII);
        RedirectRecord r = complete(b);
        assertEquals(Family.TCP6, r.family());
        assertEquals(a("2001:db8::1", 65535), r.source());
        assertEquals(a("::1", 0), r.destination());
        everyPrefixNeedsMore(b);
    }

    @Test
    void v1UnknownIgnoresTheRestOfTheLine() {
        RedirectRecord r = complete("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Family.UNSPEC, r.family());
        assertNull(r.source());
        r = complete("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n".getBytes(StandardCharsets.US_ASCII));
        assertNull(r.destination());
    }

    @Test
    void v1LongestLineIsAcceptedAndOneMoreByteIsOversized() {
        // The specification's worst case: 107 bytes.
        String worst = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        assertEquals(107, worst.length());
        complete(worst.getBytes(StandardCharsets.US_ASCII));
        String tooLong = worst.replace("UNKNOWN ", "UNKNOWN  ");
        assertEquals(Rejection.OVERSIZED, invalid(tooLong.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void v1Malformed() {
        for (String s : List.of(
                "PROXY TCP4 localhost 127.0.0.1 1 2\r\n",        // a host name: never resolved
                "PROXY TCP4 127.0.0.01 127.0.0.1 1 2\r\n",       // leading zero
                "PROXY TCP4 256.0.0.1 127.0.0.1 1 2\r\n",
                "PROXY TCP4 ::1 127.0.0.1 1 2\r\n",               // IPv6 under TCP4
                "PROXY TCP6 127.0.0.1 ::1 1 2\r\n",               // IPv4 under TCP6
                "PROXY TCP6 cafe ::1 1 2\r\n",                    // hex but no colon: not an address
                "PROXY TCP4 127.0.0.1 127.0.0.1 65536 2\r\n",
                "PROXY TCP4 127.0.0.1 127.0.0.1 01 2\r\n",
                "PROXY TCP4 127.0.0.1 127.0.0.1 -1 2\r\n",
                "PROXY TCP4 127.0.0.1 127.0.0.1 1\r\n",
                "PROXY TCP4 127.0.0.1 127.0.0.1 1 2 3\r\n",
                "PROXY TCP4  127.0.0.1 127.0.0.1 1 2\r\n",
                "PROXY TCP5 127.0.0.1 127.0.0.1 1 2\r\n",
                "PROXY tcp4 127.0.0.1 127.0.0.1 1 2\r\n",
                "PROXY TCP4 127.0.0.1 127.0.0.1 1 2\n",           // LF without CR
                "PROXY TCP4 127.0.0.1\r127.0.0.1 1 2\r\n",        // CR inside
                "PROXY TCP4 127.0.0.1\t127.0.0.1 1 2\r\n")) {     // control character
            assertEquals(Rejection.MALFORMED, invalid(s.getBytes(StandardCharsets.US_ASCII)), s);
        }
    }

    // ------------------------------------------------------------------------------------------ v2

    @Test
    void v2Tcp4FromTheSpecificationLayout() throws Exception {
        // sig, 0x21 (v2, PROXY), 0x11 (INET, STREAM), len 12, src 127.0.0.1, dst 127.0.0.2, 12345 -> 80
        byte[] b = HexFormat.of().parseHex("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c"
                + "7f000001" + "7f000002" + "3039" + "0050");
        RedirectRecord r = complete(b);
        assertEquals(2, r.version());
        assertEquals(Command.PROXY, r.command());
        assertEquals(Family.TCP4, r.family());
        assertEquals(a("127.0.0.1", 12345), r.source());
        assertEquals(a("127.0.0.2", 80), r.destination());
        assertEquals(28, r.length());
        everyPrefixNeedsMore(b);
    }

    @Test
    void v2Tcp6() throws Exception {
        byte[] b = ProxyV2.proxy().tcp(a("2001:db8::7", 40000), a("2001:db8::1", 443)).build();
        RedirectRecord r = complete(b);
        assertEquals(Family.TCP6, r.family());
        assertEquals(a("2001:db8::7", 40000), r.source());
        assertEquals(16 + 36, b.length);
        everyPrefixNeedsMore(b);
    }

    @Test
    void v2Unix() {
        byte[] b = ProxyV2.proxy().unix("/run/client.sock", "/run/hse4j.sock").tlv(Tlv.AUTHORITY, "example.com").build();
        RedirectRecord r = complete(b);
        assertEquals(Family.UNIX_STREAM, r.family());
        assertNull(r.source());
        assertEquals("/run/client.sock", r.sourcePath());
        assertEquals("/run/hse4j.sock", r.destinationPath());
        assertEquals("example.com", r.authority(), "TLVs follow the 216 address bytes");
    }

    @Test
    void v2UnspecAndUdpAreAccepted() throws Exception {
        RedirectRecord r = complete(ProxyV2.proxy().family(0x00).build());
        assertEquals(Family.UNSPEC, r.family());
        assertNull(r.source());
        r = complete(ProxyV2.proxy().tcp(a("10.0.0.1", 1), a("10.0.0.2", 2)).family(0x12).build());
        assertEquals(Family.UDP4, r.family());
        assertEquals(a("10.0.0.1", 1), r.source());
    }

    @Test
    void v2LocalIsAcceptedAsLocal() {
        byte[] b = ProxyV2.local().build();
        assertEquals(16, b.length);
        RedirectRecord r = complete(b);
        assertEquals(Command.LOCAL, r.command());
        assertEquals(Family.UNSPEC, r.family());
        everyPrefixNeedsMore(b);
    }

    @Test
    void v2EveryTlvTypeInWireOrderWithDuplicatesAndNoop() throws Exception {
        byte[] uid = new byte[128];
        Arrays.fill(uid, (byte) 0xAB);
        byte[] b = ProxyV2.proxy().tcp(a("192.0.2.1", 1000), a("192.0.2.2", 443))
                .tlv(Tlv.NOOP, new byte[3])
                .tlv(Tlv.ALPN, "h2")
                .tlv(Tlv.AUTHORITY, "bücher.example")
                .tlv(Tlv.UNIQUE_ID, uid)
                .ssl(0x07, 0, Tlv.SSL_VERSION, "TLSv1.3", Tlv.SSL_CN, "client-one", Tlv.SSL_CIPHER,
                        "TLS_AES_128_GCM_SHA256", Tlv.SSL_SIG_ALG, "SHA256", Tlv.SSL_KEY_ALG, "RSA2048")
                .tlv(Tlv.NETNS, "blue")
                .tlv(0xE0, new byte[] {1, 2, 3})
                .tlv(Tlv.ALPN, "http/1.1")
                .tlv(0xF8, new byte[0])
                .crc32c()
                .build();
        RedirectRecord r = complete(b);
        List<Integer> types = r.tlvs().stream().map(Tlv::type).toList();
        assertEquals(List.of(0x04, 0x01, 0x02, 0x05, 0x20, 0x30, 0xE0, 0x01, 0xF8, 0x03), types,
                "wire order, duplicates and NOOP kept; SSL sub-TLVs not mixed in");
        assertEquals("h2", r.tlv(Tlv.ALPN).valueAsString(), "tlv(type) is the first of that type");
        assertEquals("bücher.example", r.authority());
        assertArrayEquals(uid, r.uniqueId());
        RedirectRecord.Ssl ssl = r.ssl();
        assertEquals(0x07, ssl.client());
        assertTrue(ssl.isTls());
        assertEquals(0, ssl.verify());
        assertEquals("TLSv1.3", ssl.version());
        assertEquals("client-one", ssl.commonName());
        assertEquals("TLS_AES_128_GCM_SHA256", ssl.cipher());
        assertEquals(List.of(0x21, 0x22, 0x23, 0x24, 0x25), ssl.subTlvs().stream().map(Tlv::type).toList());
        assertEquals("blue", r.tlv(Tlv.NETNS).valueAsString());
        everyPrefixNeedsMore(b);
    }

    @Test
    void v2Crc32cGoodAndBad() throws Exception {
        byte[] good = ProxyV2.proxy().tcp(a("192.0.2.1", 1000), a("192.0.2.2", 443)).tlv(Tlv.UNIQUE_ID, "abc")
                .crc32c().build();
        complete(good);
        // Every byte after the fixed part (addresses, TLV headers and values, the CRC itself) is covered.
        for (int i = 16; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Rejection why = invalid(bad);
            boolean layoutByte = i == 28 + 1 || i == 28 + 2 || i == 34 || i == 35 || i == 36;
            if (layoutByte) {
                // a TLV length or type changed: either the layout breaks or the checksum no longer matches
                assertTrue(why == Rejection.BAD_CRC || why == Rejection.MALFORMED, "byte " + i + ": " + why);
            } else {
                assertEquals(Rejection.BAD_CRC, why, "a flipped address or TLV byte at " + i);
            }
        }
    }

    @Test
    void v2MalformedLayouts() throws Exception {
        InetSocketAddress s = a("10.0.0.1", 1);
        InetSocketAddress d = a("10.0.0.2", 2);
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).verCmd(0x11).build()), "version 1 byte");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).verCmd(0x22).build()), "command 2");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).family(0x13).build()), "transport 3");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).family(0x41).build()), "family 4");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).family(0x21).build()), "IPv6 needs 36 bytes");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).raw(new byte[] {1, 0}).build()), "stray bytes");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).raw(new byte[] {1, 0, 9, 'h'}).build()),
                "TLV overruns");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).tlv(Tlv.UNIQUE_ID, new byte[129]).build()),
                "UNIQUE_ID over 128 bytes");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).tlv(Tlv.AUTHORITY, new byte[] {(byte) 0xC3})
                .build()), "AUTHORITY not UTF-8");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).tlv(Tlv.SSL, new byte[4]).build()),
                "SSL TLV shorter than client + verify");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).tlv(Tlv.SSL,
                new byte[] {1, 0, 0, 0, 0, 0x21, 0, 5, 'T'}).build()), "SSL sub-TLV overruns");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).tlv(Tlv.CRC32C, new byte[3]).build()),
                "CRC32C of 3 bytes");
        assertEquals(Rejection.MALFORMED, invalid(ProxyV2.proxy().tcp(s, d).tlv(Tlv.CRC32C, new byte[4]).crc32c().build()),
                "two CRC32C TLVs");
    }

    @Test
    void v2LengthOverTheLimitIsOversizedAtTheFixedPart() throws Exception {
        byte[] b = ProxyV2.proxy().tcp(a("10.0.0.1", 1), a("10.0.0.2", 2)).tlv(0xE0, new byte[300]).build();
        assertInstanceOf(ProxyHeaderParser.Complete.class, ProxyHeaderParser.parse(ByteBuffer.wrap(b), 16 + 12 + 303));
        ProxyHeaderParser.Result r = ProxyHeaderParser.parse(ByteBuffer.wrap(b, 0, 16), 16 + 12 + 302);
        assertEquals(Rejection.OVERSIZED, assertInstanceOf(ProxyHeaderParser.Invalid.class, r).reason(),
                "refused from the length field alone, before the body arrives");
        byte[] huge = ProxyV2.proxy().lengthDelta(0xFFFF).build();
        assertEquals(Rejection.OVERSIZED, invalid(Arrays.copyOf(huge, 16)));
    }

    @Test
    void truncatedHeadersNeedMoreAndALyingLengthNeverCompletes() throws Exception {
        byte[] b = ProxyV2.proxy().tcp(a("10.0.0.1", 1), a("10.0.0.2", 2)).lengthDelta(+10).build();
        assertInstanceOf(ProxyHeaderParser.NeedMore.class, parse(b), "10 promised bytes never came");
        byte[] shorter = ProxyV2.proxy().tcp(a("10.0.0.1", 1), a("10.0.0.2", 2)).lengthDelta(-2).build();
        assertEquals(Rejection.MALFORMED, invalid(Arrays.copyOf(shorter, shorter.length - 2)),
                "a length too short for the family");
    }

    @Test
    void bytesAfterTheHeaderAreLeftAlone() throws Exception {
        byte[] h = ProxyV2.proxy().tcp(a("10.0.0.1", 1), a("10.0.0.2", 2)).build();
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(h.length + req.length).put(h).put(req).flip();
        ProxyHeaderParser.Complete c = assertInstanceOf(ProxyHeaderParser.Complete.class,
                ProxyHeaderParser.parse(buf, LIMIT));
        assertEquals(h.length, c.length());
        assertEquals(0, buf.position(), "the caller's buffer is not moved");
        byte[] v1 = ProxyV2.v1(a("10.0.0.1", 1), a("10.0.0.2", 2));
        buf = ByteBuffer.allocate(v1.length + req.length).put(v1).put(req).flip();
        assertEquals(v1.length, assertInstanceOf(ProxyHeaderParser.Complete.class, ProxyHeaderParser.parse(buf, LIMIT))
                .length());
    }

    @Test
    void garbageIsRefusedAtItsFirstByte() {
        assertEquals(Rejection.NO_HEADER, invalid("G".getBytes(StandardCharsets.US_ASCII)), "an HTTP request");
        assertEquals(Rejection.NO_HEADER, invalid(new byte[] {0x16, 0x03, 0x01}), "a TLS ClientHello");
        assertEquals(Rejection.NO_HEADER, invalid("PROXZ".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(Rejection.NO_HEADER, invalid(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x01}));
        assertInstanceOf(ProxyHeaderParser.NeedMore.class, parse(new byte[0]));
    }

    @Test
    void randomBytesNeverThrow() {
        Random rnd = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[rnd.nextInt(300)];
            rnd.nextBytes(b);
            if (b.length > 0 && rnd.nextBoolean()) {
                // start with a signature, so the random part reaches the deeper layers
                byte[] sig = rnd.nextBoolean() ? ProxyHeaderParser.V2_SIGNATURE : ProxyHeaderParser.V1_PREFIX;
                System.arraycopy(sig, 0, b, 0, Math.min(sig.length, b.length));
                if (b.length > 15 && sig == ProxyHeaderParser.V2_SIGNATURE) {
                    b[12] = 0x21;
                    b[13] = (byte) new int[] {0x00, 0x11, 0x21, 0x31}[rnd.nextInt(4)];
                    ByteBuffer.wrap(b).putShort(14, (short) (b.length - 16));
                }
            }
            ProxyHeaderParser.parse(ByteBuffer.wrap(b), LIMIT); // any Result; an exception fails the test
        }
    }
}
