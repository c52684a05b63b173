package dev.hse4j.samples.file;

import dev.hse4j.api.Completion;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.HttpExtension;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.TransmitFileInfo;

import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code GET /ext/file/<path>}: a webroot file through TransmitFile, with Content-Type and Content-Length.
 * The path is mapped with mapUrlToPath, which never leaves the webroot.
 */
public final class FileExtension implements HttpExtension {

    @Override
    public ExtensionVersion getExtensionVersion() {
        return ExtensionVersion.of("File: webroot files through TransmitFile");
    }

    @Override
    public HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception {
        Path file;
        try {
            file = Path.of(ecb.mapUrlToPath(ecb.pathInfo()));
        } catch (IsapiException e) {
            return plain(ecb, e.errorCode() == IsapiError.ACCESS_DENIED ? "403 Forbidden" : "400 Bad Request",
                    e.getMessage());
        }
        if (!Files.isRegularFile(file)) {
            return plain(ecb, "404 Not Found", "no such file: " + ecb.pathInfo());
        }
        String type = URLConnection.guessContentTypeFromName(file.getFileName().toString());
        if (type == null) {
            type = file.getFileName().toString().endsWith(".css") ? "text/css"
                    : file.getFileName().toString().endsWith(".js") ? "text/javascript" : "application/octet-stream";
        }
        if (type.startsWith("text/") && !type.contains("charset")) {
            type += "; charset=utf-8";
        }
        TransmitFileInfo info = TransmitFileInfo.builder(file)
                .sendHeaders("200 OK", "Content-Type: " + type + "\r\nContent-Length: " + Files.size(file) + "\r\n")
                .completion(FileExtension::done, null)
                .build();
        try {
            ecb.transmitFile(info);
        } catch (IsapiException e) {
            return plain(ecb, e.errorCode() == IsapiError.FILE_NOT_FOUND ? "404 Not Found" : "500 Internal Server Error",
                    e.getMessage());
        }
        return HseStatus.PENDING;
    }

    private static void done(Completion c) {
        try {
            c.ecb().doneWithSession(c.isSuccess() ? HseStatus.SUCCESS_AND_KEEP_CONN : HseStatus.ERROR);
        } catch (IsapiException ignored) {
            // already ended
        }
    }

    private static HseStatus plain(ExtensionControlBlock ecb, String status, String text) throws IsapiException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ecb.sendResponseHeader(status, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length + "\r\n");
        ecb.writeClient(body);
        return HseStatus.SUCCESS;
    }
}
