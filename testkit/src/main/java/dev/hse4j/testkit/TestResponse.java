package dev.hse4j.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A response as the client received it: status line, headers in order, body (de-chunked).
 *
 * @param status the status code
 * @param reason the reason phrase
 * @param headers the header fields, in the order received
 * @param body the body bytes (for a response read head-only, empty)
 * @param chunked whether the body came with {@code Transfer-Encoding: chunked}
 */
public record TestResponse(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body,
                           boolean chunked) {

    /**
     * @param name a header name, any case
     * @return the first value of that header, or {@code null}
     */
    public String header(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    /**
     * @param name a header name, any case
     * @return every value of that header, in order
     */
    public List<String> headers(String name) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                out.add(h.getValue());
            }
        }
        return out;
    }

    /** @return the body decoded as UTF-8 */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** @return whether the server said it closes the connection after this response */
    public boolean closesConnection() {
        String c = header("Connection");
        return c != null && c.toLowerCase(Locale.ROOT).contains("close");
    }

    TestResponse withBody(byte[] b) {
        return new TestResponse(status, reason, headers, b, chunked);
    }

    @Override
    public String toString() {
        return "HTTP " + status + " " + reason + " " + headers + " (" + body.length + " body bytes)";
    }
}
