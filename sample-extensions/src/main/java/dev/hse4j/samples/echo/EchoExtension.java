package dev.hse4j.samples.echo;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.nio.ByteBuffer;

/**
 * Returns the request body byte for byte, with the request's Content-Type. Shows the ISAPI body protocol:
 * the preloaded {@code data()} first, then {@code readClient} until it returns 0.
 *
 * <p>The body streams through one buffer of {@link #PIECE} bytes, reused for every piece: read a piece,
 * write it, read the next. Memory stays the same whatever the body's size, a chunked upload of gigabytes
 * included. A body of known length is answered with that Content-Length; a chunked one without (the
 * server frames the response chunked itself), since its length is only known at its end. Reads and
 * writes alternate, so no two operations are ever outstanding on the request.
 */
// It streams any body through one small buffer, so it lifts the server's request-body limit (30 MB by
// default); an extension that holds bodies in memory should keep a limit instead.
@ExtensionSettings(maxRequestBodyBytes = 0)
public final class EchoExtension implements HttpExtension {

    /** The one buffer's size: big enough for few calls, small enough to cost nothing per request. */
    static final int PIECE = 64 * 1024;

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Echo: returns the request body");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        String type = ecb.contentType().isEmpty() ? "application/octet-stream" : ecb.contentType();
        long total = ecb.totalBytes();
        String length = total == ExtensionControlBlock.UNKNOWN_LENGTH ? "" : "Content-Length: " + total + "\r\n";
        ecb.sendResponseHeader("200 OK", "Content-Type: " + type + "\r\n" + length);
        ecb.writeClient(ecb.data()); // the read-ahead: no copy, data() is a read-only view
        long echoed = ecb.available();
        ByteBuffer piece = ByteBuffer.allocate(PIECE);
        int n;
        while ((n = ecb.readClient(piece.clear())) > 0) { // 0: the body has ended
            ecb.writeClient(piece.flip());
            echoed += n;
        }
        if (total != ExtensionControlBlock.UNKNOWN_LENGTH && echoed != total) {
            // The body ended before its Content-Length: the response cannot be completed either. ERROR
            // after the headers went out closes the connection, which tells the client so.
            return HseStatus.ERROR;
        }
        return HseStatus.SUCCESS;
    }
}
