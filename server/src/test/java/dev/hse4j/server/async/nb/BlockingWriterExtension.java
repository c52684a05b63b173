package dev.hse4j.server.async.nb;

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link NbWriterExtension}'s twin without {@code nonBlocking}: its synchronous writes wait for the client. */
@ExtensionSettings(name = "bw")
public final class BlockingWriterExtension implements HttpExtension {

    static final Map<String, String> RESULTS = new ConcurrentHashMap<>();

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("blocking synchronous writer");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        return NbWriterExtension.NbWriter.serve(ecb, RESULTS);
    }
}
