package dev.hse4j.server.proxy;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writes PROXY v2 headers byte by byte from the specification's layout, for tests: the parser under test
 * never writes one, so the two cannot share a mistake. Also v1 lines.
 */
public final class ProxyV2 {

    private int verCmd = 0x21;
    private int family = 0x11;
    private byte[] addresses = new byte[0];
    private final ByteArrayOutputStream tlvs = new ByteArrayOutputStream();
    private boolean crc;
    private int lengthDelta;

    /** @return a PROXY command header with no addresses yet */
    public static ProxyV2 proxy() {
        return new ProxyV2();
    }

    /** @return a LOCAL command header, family UNSPEC (what HAProxy's health checks send) */
    public static ProxyV2 local() {
        ProxyV2 p = new ProxyV2();
        p.verCmd = 0x20;
        p.family = 0x00;
        return p;
    }

    /** TCP over IPv4 or IPv6, from the addresses' kind. */
    public ProxyV2 tcp(InetSocketAddress src, InetSocketAddress dst) {
        byte[] s = src.getAddress().getAddress();
        byte[] d = dst.getAddress().getAddress();
        family = s.length == 4 ? 0x11 : 0x21;
        ByteBuffer b = ByteBuffer.allocate(2 * s.length + 4);
        b.put(s).put(d).putShort((short) src.getPort()).putShort((short) dst.getPort());
        addresses = b.array();
        return this;
    }

    /** UNIX stream addresses: two 108-byte NUL-padded paths. */
    public ProxyV2 unix(String src, String dst) {
        family = 0x31;
        ByteBuffer b = ByteBuffer.allocate(216);
        b.put(src.getBytes(StandardCharsets.UTF_8)).position(108).put(dst.getBytes(StandardCharsets.UTF_8));
        addresses = b.array();
        return this;
    }

    /** Sets the raw version/command byte. */
    public ProxyV2 verCmd(int v) {
        verCmd = v;
        return this;
    }

    /** Sets the raw family/transport byte (addresses unchanged). */
    public ProxyV2 family(int f) {
        family = f;
        return this;
    }

    /** Appends a TLV. */
    public ProxyV2 tlv(int type, byte[] value) {
        tlvs.write(type);
        tlvs.write(value.length >> 8);
        tlvs.write(value.length);
        tlvs.writeBytes(value);
        return this;
    }

    /** Appends a TLV with a text value. */
    public ProxyV2 tlv(int type, String value) {
        return tlv(type, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends raw bytes to the TLV area (for malformed layouts). */
    public ProxyV2 raw(byte[] bytes) {
        tlvs.writeBytes(bytes);
        return this;
    }

    /** Appends an SSL TLV: client bits, verify, then sub-TLVs given as (type, text) pairs. */
    public ProxyV2 ssl(int client, int verify, Object... subs) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(client);
        v.writeBytes(ByteBuffer.allocate(4).putInt(verify).array());
        for (int i = 0; i < subs.length; i += 2) {
            byte[] val = ((String) subs[i + 1]).getBytes(StandardCharsets.UTF_8);
            v.write((Integer) subs[i]);
            v.write(val.length >> 8);
            v.write(val.length);
            v.writeBytes(val);
        }
        return tlv(0x20, v.toByteArray());
    }

    /** Appends a CRC32C TLV, filled in by {@link #build()}. */
    public ProxyV2 crc32c() {
        crc = true;
        return this;
    }

    /** Makes the length field lie by {@code delta}. */
    public ProxyV2 lengthDelta(int delta) {
        lengthDelta = delta;
        return this;
    }

    /** @return the header's bytes */
    public byte[] build() {
        byte[] t = tlvs.toByteArray();
        int crcAt = -1;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(addresses);
        body.writeBytes(t);
        if (crc) {
            body.write(0x03);
            body.write(0);
            body.write(4);
            crcAt = 16 + body.size();
            body.writeBytes(new byte[4]);
        }
        byte[] b = body.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(16 + b.length);
        out.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        out.put((byte) verCmd).put((byte) family).putShort((short) (b.length + lengthDelta)).put(b);
        byte[] all = out.array();
        if (crcAt >= 0) {
            CRC32C c = new CRC32C();
            c.update(all);
            ByteBuffer.wrap(all).putInt(crcAt, (int) c.getValue());
        }
        return all;
    }

    /** @return a v1 line for TCP4 or TCP6, from the addresses' kind */
    public static byte[] v1(InetSocketAddress src, InetSocketAddress dst) {
        String fam = src.getAddress().getAddress().length == 4 ? "TCP4" : "TCP6";
        return ("PROXY " + fam + " " + src.getAddress().getHostAddress() + " " + dst.getAddress().getHostAddress() + " "
                + src.getPort() + " " + dst.getPort() + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
