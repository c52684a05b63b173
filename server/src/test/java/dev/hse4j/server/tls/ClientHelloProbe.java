package dev.hse4j.server.tls;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;

/**
 * Sends a hand-made TLS ClientHello (any version, any cipher suites: things no modern TLS library will
 * still offer) and reports how the server answered: a ServerHello, an alert, or a closed connection.
 */
final class ClientHelloProbe {

    /** The server's answer. @param kind SERVER_HELLO, ALERT or CLOSED @param detail alert description or version */
    record Answer(String kind, int detail) {
        boolean isServerHello() {
            return kind.equals("SERVER_HELLO");
        }
    }

    private ClientHelloProbe() {
    }

    /**
     * @param port the server's TLS port on 127.0.0.1
     * @param version the ClientHello's legacy_version: 0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2
     * @param suites the cipher suite codes offered
     * @return the answer
     */
    static Answer probe(int port, int version, int... suites) throws IOException {
        byte[] hello = clientHello(version, suites);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(hello);
            s.getOutputStream().flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int type;
            try {
                type = in.readUnsignedByte();
            } catch (EOFException | java.net.SocketException e) {
                return new Answer("CLOSED", 0);
            } catch (SocketTimeoutException e) {
                return new Answer("TIMEOUT", 0);
            }
            int major = in.readUnsignedByte();
            int minor = in.readUnsignedByte();
            int len = in.readUnsignedShort();
            byte[] body = new byte[len];
            in.readFully(body);
            if (type == 21) {
                return new Answer("ALERT", body.length >= 2 ? body[1] & 0xff : -1);
            }
            if (type == 22 && body.length > 0 && body[0] == 2) {
                // ServerHello: legacy_version follows the 4-byte handshake header
                return new Answer("SERVER_HELLO", ((body[4] & 0xff) << 8) | (body[5] & 0xff));
            }
            return new Answer("OTHER " + type + " " + major + "." + minor, 0);
        }
    }

    static byte[] clientHello(int version, int... suites) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        // supported_groups: x25519, secp256r1, secp384r1
        ext(ext, 0x000a, new byte[] {0, 6, 0, 0x1d, 0, 0x17, 0, 0x18});
        // ec_point_formats: uncompressed
        ext(ext, 0x000b, new byte[] {1, 0});
        // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ecdsa_sha1, rsa_pkcs1_sha1
        ext(ext, 0x000d, new byte[] {0, 10, 4, 3, 8, 4, 4, 1, 2, 3, 2, 1});
        // renegotiation_info (empty)
        ext(ext, 0xff01, new byte[] {0});
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(version >> 8);
        body.write(version);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0); // no session id
        body.write((suites.length * 2) >> 8);
        body.write(suites.length * 2);
        for (int s : suites) {
            body.write(s >> 8);
            body.write(s);
        }
        body.write(1); // compression methods: null
        body.write(0);
        byte[] e = ext.toByteArray();
        body.write(e.length >> 8);
        body.write(e.length);
        body.writeBytes(e);
        byte[] b = body.toByteArray();
        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        hs.write(1); // client_hello
        hs.write(b.length >> 16);
        hs.write(b.length >> 8);
        hs.write(b.length);
        hs.writeBytes(b);
        byte[] h = hs.toByteArray();
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        rec.write(22);
        rec.write(3);
        rec.write(1); // record version TLS 1.0, as clients send
        rec.write(h.length >> 8);
        rec.write(h.length);
        rec.writeBytes(h);
        return rec.toByteArray();
    }

    private static void ext(ByteArrayOutputStream out, int type, byte[] data) {
        out.write(type >> 8);
        out.write(type);
        out.write(data.length >> 8);
        out.write(data.length);
        out.writeBytes(data);
    }
}
