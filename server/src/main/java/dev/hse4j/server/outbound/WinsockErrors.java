package dev.hse4j.server.outbound;

import dev.hse4j.api.IsapiError;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/** Maps a socket failure (native errno or JDK exception) to the Winsock code an ISAPI author expects. */
final class WinsockErrors {

    private WinsockErrors() {
    }

    // Linux errno values.
    private static final int EPIPE = 32;
    private static final int ENETUNREACH = 101;
    private static final int ECONNABORTED = 103;
    private static final int ECONNRESET = 104;
    private static final int ETIMEDOUT = 110;
    private static final int ECONNREFUSED = 111;
    private static final int EHOSTUNREACH = 113;

    /**
     * @param t the failure
     * @param closedCode the code for "the channel was already closed" (who closed it decides)
     * @return the Winsock code
     */
    static int of(Throwable t, int closedCode) {
        if (t instanceof ConnectTimeoutException) {
            return IsapiError.WSAETIMEDOUT;
        }
        if (t instanceof ClosedChannelException) {
            return closedCode;
        }
        if (t instanceof Errors.NativeIoException n) {
            switch (Math.abs(n.expectedErr())) {
                case ECONNRESET: case EPIPE: return IsapiError.WSAECONNRESET;
                case ECONNREFUSED: return IsapiError.WSAECONNREFUSED;
                case ENETUNREACH: return IsapiError.WSAENETUNREACH;
                case EHOSTUNREACH: return IsapiError.WSAEHOSTUNREACH;
                case ETIMEDOUT: return IsapiError.WSAETIMEDOUT;
                case ECONNABORTED: return IsapiError.WSAECONNABORTED;
                default: break;
            }
        }
        if (t instanceof NoRouteToHostException) {
            return IsapiError.WSAEHOSTUNREACH;
        }
        // Netty's native connect errors are package-private ConnectExceptions: their text is strerror's.
        String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("refused")) {
            return IsapiError.WSAECONNREFUSED;
        }
        if (m.contains("network is unreachable")) {
            return IsapiError.WSAENETUNREACH;
        }
        if (m.contains("no route to host") || m.contains("host is unreachable")) {
            return IsapiError.WSAEHOSTUNREACH;
        }
        if (m.contains("timed out")) {
            return IsapiError.WSAETIMEDOUT;
        }
        if (m.contains("reset") || m.contains("broken pipe")) {
            return IsapiError.WSAECONNRESET;
        }
        if (t instanceof ConnectException) {
            return IsapiError.WSAECONNREFUSED;
        }
        return IsapiError.WSAECONNABORTED;
    }
}
