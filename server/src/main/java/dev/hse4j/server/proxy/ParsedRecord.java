package dev.hse4j.server.proxy;

import dev.hse4j.api.RedirectRecord;

import java.net.InetSocketAddress;
import java.util.List;

/** The server's {@link RedirectRecord}: what {@link ProxyHeaderParser} read, with the header's raw bytes. */
final class ParsedRecord implements RedirectRecord {

    private final int version;
    private final Command command;
    private final Family family;
    private final InetSocketAddress source;
    private final InetSocketAddress destination;
    private final String sourcePath;
    private final String destinationPath;
    private final List<Tlv> tlvs;
    private final Ssl ssl;
    private final byte[] raw;

    ParsedRecord(int version, Command command, Family family, InetSocketAddress source, InetSocketAddress destination,
                 String sourcePath, String destinationPath, List<Tlv> tlvs, Ssl ssl, byte[] raw) {
        this.version = version;
        this.command = command;
        this.family = family;
        this.source = source;
        this.destination = destination;
        this.sourcePath = sourcePath;
        this.destinationPath = destinationPath;
        this.tlvs = List.copyOf(tlvs);
        this.ssl = ssl;
        this.raw = raw;
    }

    @Override public int version() { return version; }
    @Override public Command command() { return command; }
    @Override public Family family() { return family; }
    @Override public InetSocketAddress source() { return source; }
    @Override public InetSocketAddress destination() { return destination; }
    @Override public String sourcePath() { return sourcePath; }
    @Override public String destinationPath() { return destinationPath; }
    @Override public List<Tlv> tlvs() { return tlvs; }
    @Override public Ssl ssl() { return ssl; }
    @Override public int length() { return raw.length; }
    @Override public byte[] toByteArray() { return raw.clone(); }

    /**
     * Copies the raw bytes into {@code buffer} without a defensive copy first: the query path.
     *
     * @return the bytes copied
     */
    int copyTo(byte[] buffer) {
        System.arraycopy(raw, 0, buffer, 0, raw.length);
        return raw.length;
    }

    @Override
    public String toString() {
        return "PROXY v" + version + " " + command + " " + family + " " + source + " -> " + destination
                + (tlvs.isEmpty() ? "" : " " + tlvs);
    }
}
