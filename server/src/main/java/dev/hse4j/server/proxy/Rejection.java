package dev.hse4j.server.proxy;

/** Why a connection to a PROXY-protocol listener was refused or closed before HTTP; each is counted. */
public enum Rejection {
    /** The peer is not a trusted proxy: reset at once, not a byte read. */
    UNTRUSTED,
    /** A trusted peer whose first bytes are not a PROXY header (v1 or v2): the header is mandatory. */
    NO_HEADER,
    /** A PROXY header that breaks the specification (bad version, command, family, address, TLV layout). */
    MALFORMED,
    /** A v2 header whose CRC32C TLV does not match its bytes. */
    BAD_CRC,
    /** A header longer than the listener's limit (v1: longer than 107 bytes). */
    OVERSIZED,
    /** The header did not arrive in full within the header timeout. */
    TIMEOUT,
    /** The peer closed the connection before the header was complete. */
    TRUNCATED
}
