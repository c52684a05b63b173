package dev.hse4j.server.async.nb;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A non-blocking extension with a 1 KB read-ahead that echoes the body with synchronous reads, prefixed
 * by where it ran ({@code network}: inside Jetty's call of the handler, or {@code worker} and a newline): a body larger than the read-ahead must
 * send it to a worker, where a synchronous read may wait.
 */
@ExtensionSettings(name = "nbecho", nonBlocking = true, readAheadBytes = 1024)
public final class NbEchoExtension implements HttpExtension {

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("non-blocking echo");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean network = false;
        for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
            network |= e.getClassName().startsWith("org.eclipse.jetty.server.internal.HttpChannelState$HandlerInvoker");
        }
        out.writeBytes(((network ? "network" : "worker") + "\n").getBytes(StandardCharsets.US_ASCII));
        ByteBuffer pre = ecb.data();
        byte[] b = new byte[pre.remaining()];
        pre.get(b);
        out.writeBytes(b);
        ByteBuffer buf = ByteBuffer.allocate(8192);
        int n;
        while ((n = ecb.readClient(buf.clear())) > 0) {
            out.write(buf.array(), 0, n);
        }
        byte[] body = out.toByteArray();
        ecb.sendResponseHeader("200 OK", "Content-Type: application/octet-stream\r\nContent-Length: " + body.length
                + "\r\n\r\n");
        ecb.writeClient(body);
        return HseStatus.SUCCESS;
    }
}
