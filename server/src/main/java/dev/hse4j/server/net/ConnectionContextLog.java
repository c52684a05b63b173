package dev.hse4j.server.net;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Puts each request's connection context into a request attribute, for the access log's
 * {@code %{hse4j.connection.context}attr} field ({@code --access-log-context}). Requests on connections
 * without a context get none (the log shows {@code -}).
 */
public final class ConnectionContextLog extends Handler.Wrapper {

    /** The request attribute holding the context's {@code toString()}. */
    public static final String ATTRIBUTE = "hse4j.connection.context";

    /** @param next the handler to run after setting the attribute */
    public ConnectionContextLog(Handler next) {
        super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        ConnectionState state = ConnectionState.of(request);
        Object context = state == null ? null : state.context();
        if (context != null) {
            request.setAttribute(ATTRIBUTE, clean(String.valueOf(context)));
        }
        return super.handle(request, response, callback);
    }

    /** The log line must stay one line with balanced quotes whatever the hook's toString says. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? '_' : c);
        }
        return b.toString();
    }
}
