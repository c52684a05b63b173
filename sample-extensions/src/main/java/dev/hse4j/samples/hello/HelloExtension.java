package dev.hse4j.samples.hello;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.nio.charset.StandardCharsets;

/**
 * {@code GET /ext/hello}: the smallest useful extension. Its procedure only writes, so it declares itself
 * non-blocking: the server runs it on the network thread that read the request, without a thread hand-off.
 */
@ExtensionSettings(nonBlocking = true)
public final class HelloExtension implements HttpExtension {

    private static final byte[] BODY = "Hello from hse4j!\n".getBytes(StandardCharsets.US_ASCII);
    // Built once: the server keeps the parsed form of a header block it has seen, and the same String
    // instance is found at once (a block built per request is hashed and compared character by character).
    private static final String HEADERS =
            "Content-Type: text/plain; charset=us-ascii\r\nContent-Length: " + BODY.length + "\r\n\r\n";

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("Hello: answers with a greeting");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        ecb.sendResponseHeader("200 OK", HEADERS);
        ecb.writeClient(BODY);
        return HseStatus.SUCCESS;
    }
}
