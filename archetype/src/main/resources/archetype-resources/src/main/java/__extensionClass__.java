package ${package};

import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionSettings;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;

import java.nio.charset.StandardCharsets;

/**
 * Answers {@code GET /ext/${artifactId}} with a greeting. The mount name comes from
 * {@code @ExtensionSettings(name)}, so it does not depend on the jar's file name.
 */
@ExtensionSettings(name = "${artifactId}")
public final class ${extensionClass} implements HttpExtension {

    @Override
    public ExtensionVersion getExtensionVersion() {              // once, when the jar is loaded
        return ExtensionVersion.of("${artifactId}: greets whoever asks");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {  // once per request
        byte[] body = ("Hello, " + ecb.getServerVariable("REMOTE_ADDR") + "\n").getBytes(StandardCharsets.UTF_8);
        ecb.sendResponseHeader("200 OK", "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n");
        ecb.writeClient(body);                                      // synchronous WriteClient
        ecb.setLogData("greeted");                                  // the access log's last field
        return HseStatus.SUCCESS;
    }
}
