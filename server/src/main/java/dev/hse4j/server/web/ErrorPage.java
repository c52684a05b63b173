package dev.hse4j.server.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Every error response hse4j sends, written one way: the operator's page for the status if there is one
 * ({@link CustomErrors}), else a short {@code text/plain} body holding the status, its standard reason
 * and, when the server wrote one, a plain sentence for the client. Never exception text: what went wrong
 * inside is for the log, and only the server's own wording reaches a client.
 *
 * <p>{@link #write} goes through the server's error handler ({@link CustomErrorHandler}), which ends in
 * {@link #writePlain}; so do the errors Jetty produces itself (malformed requests, failed exchanges), but
 * those get the status and its reason only: their messages can carry exception text
 * ("java.io.IOException: content-length 8 != 0 written").
 */
public final class ErrorPage {

    /** Request attribute: the server's sentence for the client, set by {@link #write}. */
    static final String MESSAGE_ATTRIBUTE = "hse4j.errorMessage";

    private ErrorPage() {
    }

    /**
     * Answers the request with an error, or, if the response is already committed, fails the exchange (an
     * HTTP/1 connection is closed, an HTTP/2 stream reset): a response cannot change its status halfway.
     *
     * @param request the request
     * @param response its response, whose headers and content so far are discarded
     * @param callback the exchange's callback, completed by this call
     * @param status the HTTP status
     * @param message a sentence the server wrote for the client (never exception text), or {@code null}
     * @param headers more headers for the error response (e.g. {@code Retry-After} with a 503)
     */
    public static void write(Request request, Response response, Callback callback, int status, String message,
                             HttpField... headers) {
        if (response.isCommitted()) {
            callback.failed(new IOException("cannot send " + status + ": the response has started"));
            return;
        }
        response.reset();
        for (HttpField h : headers) {
            response.getHeaders().put(h);
        }
        if (message != null) {
            request.setAttribute(MESSAGE_ATTRIBUTE, message);
        }
        Response.writeError(request, response, callback, status);
    }

    /**
     * The built-in page, for the server's error handler when the operator has none for the status: only
     * the sentence {@link #write} was given, never Jetty's message.
     *
     * @param request the request (an error request: its attributes carry the status)
     * @param response the response
     * @param callback completed by this call
     */
    public static void writePlain(Request request, Response response, Callback callback) {
        int status = request.getAttribute(ErrorHandler.ERROR_STATUS) instanceof Integer i ? i : response.getStatus();
        if (status < 100 || status > 999) {
            status = HttpStatus.INTERNAL_SERVER_ERROR_500;
        }
        if (HttpStatus.hasNoBody(status)) {
            // Jetty answers a 304 (a conditional GET of a static file) through here too: no body at all.
            response.setStatus(status);
            response.write(true, null, callback);
            return;
        }
        String message = request.getAttribute(MESSAGE_ATTRIBUTE) instanceof String s ? s : null;
        byte[] body = text(status, message).getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(ErrorHandler.ERROR_CACHE_CONTROL);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * @param status the HTTP status
     * @param message the server's sentence, or {@code null}
     * @return the body: {@code "404 Not Found\n"} and the sentence on a line of its own
     */
    static String text(int status, String message) {
        String reason = HttpStatus.getMessage(status);
        String head = status + " " + (reason == null ? "Error" : reason) + "\n";
        return message == null || message.isEmpty() ? head : head + message + "\n";
    }
}
