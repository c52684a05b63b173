package dev.hse4j.server.admission;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What the per-address policies count by: the IPv4 address, or the IPv6 /64 network (one subscriber's
 * prefix: counting single IPv6 addresses would let one host evade every limit).
 */
final class AddressKey {

    private AddressKey() {
    }

    static InetAddress of(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a;
        }
        byte[] b = a.getAddress();
        for (int i = 8; i < 16; i++) {
            b[i] = 0;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return a; // cannot happen for 16 bytes
        }
    }
}
