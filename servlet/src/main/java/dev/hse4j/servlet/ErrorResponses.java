package dev.hse4j.servlet;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The servlet's plain error answers: a status and one sentence, never an exception's text. */
final class ErrorResponses {

    private ErrorResponses() {
    }

    /**
     * @param response not yet committed
     * @param status the HTTP status
     * @param message a plain sentence for the client
     */
    static void send(HttpServletResponse response, int status, String message) throws IOException {
        byte[] body = (status + " " + message + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("text/plain;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
