package dev.hse4j.samples.echo;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Returns the request body byte for byte, with the request's Content-Type and a Content-Length. Shows
 * the ISAPI body protocol: the preloaded {@code data()} first, then {@code readClient} until it returns 0.
 * Bodies of known length stream straight through; a chunked body is collected first, since its
 * Content-Length is only known at its end.
 */
public final class EchoExtension implements HttpExtension {

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Echo: returns the request body");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        String type = ecb.contentType().isEmpty() ? "application/octet-stream" : ecb.contentType();
        long total = ecb.totalBytes();
        if (total == ExtensionControlBlock.UNKNOWN_LENGTH) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] pre = new byte[ecb.available()];
            ecb.data().get(pre);
            all.write(pre);
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ecb.readClient(buf.clear()) > 0) {
                all.write(buf.array(), 0, buf.position());
            }
            ecb.sendResponseHeader("200 OK", "Content-Type: " + type + "\r\nContent-Length: " + all.size() + "\r\n");
            ecb.writeClient(all.toByteArray());
            return HseStatus.SUCCESS;
        }
        ecb.sendResponseHeader("200 OK", "Content-Type: " + type + "\r\nContent-Length: " + total + "\r\n");
        ecb.writeClient(ecb.data());
        long remaining = total - ecb.available();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (remaining > 0) {
            int n = ecb.readClient(buf.clear());
            if (n == 0) {
                return HseStatus.ERROR; // the body ended before its Content-Length: nothing sensible to send
            }
            buf.flip();
            ecb.writeClient(buf);
            remaining -= n;
        }
        return HseStatus.SUCCESS;
    }
}
