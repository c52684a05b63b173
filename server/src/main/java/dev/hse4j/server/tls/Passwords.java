package dev.hse4j.server.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves a password option the way OpenSSL's {@code -passin} does, so it need not appear on the
 * command line: {@code env:NAME} (an environment variable), {@code file:PATH} (the file's first line),
 * {@code pass:TEXT} or any other text (the password itself).
 */
final class Passwords {

    private Passwords() {
    }

    static char[] resolve(String spec) {
        if (spec == null) {
            return null;
        }
        if (spec.startsWith("env:")) {
            String name = spec.substring(4);
            String v = System.getenv(name);
            if (v == null) {
                throw new TlsSetupException("the TLS password variable " + name + " is not set (--tls-password=env:"
                        + name + ")");
            }
            return v.toCharArray();
        }
        if (spec.startsWith("file:")) {
            Path p = Path.of(spec.substring(5));
            try {
                String text = Files.readString(p, StandardCharsets.UTF_8);
                int nl = text.indexOf('\n');
                String line = nl < 0 ? text : text.substring(0, nl);
                return line.endsWith("\r") ? line.substring(0, line.length() - 1).toCharArray() : line.toCharArray();
            } catch (IOException e) {
                throw new TlsSetupException("cannot read the TLS password file " + p + ": " + Pem.reason(e));
            }
        }
        if (spec.startsWith("pass:")) {
            return spec.substring(5).toCharArray();
        }
        return spec.toCharArray();
    }
}
