package dev.hse4j.server.web;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error handler with the webroot's custom pages ({@link CustomErrors}): every error the server
 * answers itself (a missing file, no such extension, an extension's failure) gets {@code errors/<status>.html}
 * when the operator provided one, else {@link ErrorPage}'s plain one, which never carries exception text.
 */
public final class CustomErrorHandler extends ErrorHandler {

    private final CustomErrors errors;

    /** @param errors where the pages come from */
    public CustomErrorHandler(CustomErrors errors) {
        this.errors = errors;
        setShowStacks(false);
        setShowCauses(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Object code = request.getAttribute(ERROR_STATUS);
        int status = code instanceof Integer i ? i : response.getStatus();
        byte[] page = request.getAttribute(CustomErrors.DISABLE_ATTRIBUTE) == null && errorPageForMethod(request.getMethod())
                ? errors.customPage(status, 0) : null;
        if (page == null) {
            ErrorPage.writePlain(request, response, callback); // never Jetty's page: its message may be exception text
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
        response.getHeaders().put(ERROR_CACHE_CONTROL);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, page.length);
        response.write(true, ByteBuffer.wrap(page), callback);
        return true;
    }
}
