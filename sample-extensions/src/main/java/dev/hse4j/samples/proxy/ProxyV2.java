package dev.hse4j.samples.proxy;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A PROXY protocol v2 header (the HAProxy spec, section 2.2) for a TCP connection: the 12-byte signature,
 * PROXY command, TCP over IPv4 or IPv6, then source and destination addresses and ports.
 */
final class ProxyV2 {

    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyV2() {
    }

    /**
     * @param srcAddr the client's address, a literal (never looked up)
     * @param srcPort the client's port
     * @param dstAddr the address the client connected to
     * @param dstPort the port the client connected to
     * @return the header
     * @throws UnknownHostException if an address is not a literal
     */
    static byte[] tcp(String srcAddr, int srcPort, String dstAddr, int dstPort) throws UnknownHostException {
        byte[] s4 = ipv4(srcAddr);
        byte[] d4 = s4 == null ? null : ipv4(dstAddr);
        if (d4 != null) { // the usual case, written straight into the 28 bytes
            byte[] h = new byte[28];
            System.arraycopy(SIGNATURE, 0, h, 0, 12);
            h[12] = 0x21;
            h[13] = 0x11;
            h[15] = 12;
            System.arraycopy(s4, 0, h, 16, 4);
            System.arraycopy(d4, 0, h, 20, 4);
            h[24] = (byte) (srcPort >> 8);
            h[25] = (byte) srcPort;
            h[26] = (byte) (dstPort >> 8);
            h[27] = (byte) dstPort;
            return h;
        }
        InetAddress src = literal(srcAddr);
        InetAddress dst = literal(dstAddr);
        boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        byte[] s = v4 ? src.getAddress() : v6(src);
        byte[] d = v4 ? dst.getAddress() : v6(dst);
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + 36);
        out.writeBytes(SIGNATURE);
        out.write(0x21);                 // version 2, command PROXY
        out.write(v4 ? 0x11 : 0x21);     // TCP over IPv4 / IPv6
        int len = 2 * s.length + 4;
        out.write(len >> 8);
        out.write(len);
        out.writeBytes(s);
        out.writeBytes(d);
        out.write(srcPort >> 8);
        out.write(srcPort);
        out.write(dstPort >> 8);
        out.write(dstPort);
        return out.toByteArray();
    }

    /** @return the four bytes of a dotted-quad IPv4 literal, or {@code null} if {@code a} is anything else */
    static byte[] ipv4(String a) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c >= '0' && c <= '9') {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else if (c == '.' && value >= 0 && part < 3) {
                out[part++] = (byte) value;
                value = -1;
            } else {
                return null;
            }
        }
        if (part != 3 || value < 0) {
            return null;
        }
        out[3] = (byte) value;
        return out;
    }

    private static InetAddress literal(String a) throws UnknownHostException {
        String t = a.startsWith("[") && a.endsWith("]") ? a.substring(1, a.length() - 1) : a;
        if (t.isEmpty() || !(t.indexOf('.') >= 0 || t.indexOf(':') >= 0) || !literalChars(t)) {
            throw new UnknownHostException("not an address literal: " + a);
        }
        return InetAddress.getByName(t); // a literal: parsed, never resolved
    }

    /** Only characters of an address literal (so that getByName never looks a name up). */
    private static boolean literalChars(String t) {
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.'
                    || c == ':' || c == '%';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** An IPv4 address as IPv4-mapped IPv6 (::ffff:a.b.c.d) when the other side is IPv6. */
    private static byte[] v6(InetAddress a) {
        if (a instanceof Inet6Address) {
            return a.getAddress();
        }
        byte[] m = new byte[16];
        m[10] = (byte) 0xFF;
        m[11] = (byte) 0xFF;
        System.arraycopy(a.getAddress(), 0, m, 12, 4);
        return m;
    }
}
