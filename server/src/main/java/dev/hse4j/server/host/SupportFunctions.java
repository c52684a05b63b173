package dev.hse4j.server.host;

import dev.hse4j.api.CustomErrorInfo;
import dev.hse4j.api.ExecUrlInfo;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.HseReq;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.IoCompletion;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.ResponseVector;
import dev.hse4j.api.TransmitFileInfo;

import java.nio.ByteBuffer;

/**
 * ServerSupportFunction by number: each supported {@code HSE_REQ_*} code maps onto a typed ECB method;
 * Windows-only services answer 50, unknown codes 87. Never a silent no-op.
 */
final class SupportFunctions {

    private SupportFunctions() {
    }

    static Object call(ExtensionControlBlock ecb, int code, Object p) throws IsapiException {
        switch (code) {
            case HseReq.SEND_URL_REDIRECT_RESP:
                ecb.sendUrlRedirect(arg(p, String.class, code));
                return null;
            case HseReq.SEND_URL:
                ecb.sendUrl(arg(p, String.class, code));
                return null;
            case HseReq.SEND_RESPONSE_HEADER:
                if (p instanceof String[] a && a.length == 2) {
                    ecb.sendResponseHeader(a[0], a[1]);
                } else {
                    ecb.sendResponseHeader(p == null ? null : arg(p, String.class, code), null);
                }
                return null;
            case HseReq.SEND_RESPONSE_HEADER_EX: {
                Object[] a = arg(p, Object[].class, code);
                if (a.length != 3 || !(a[2] instanceof Boolean)) {
                    throw bad(code, "expects Object[]{status, headers, Boolean keepConn}");
                }
                ecb.sendResponseHeader((String) a[0], (String) a[1], (Boolean) a[2]);
                return null;
            }
            case HseReq.DONE_WITH_SESSION:
                ecb.doneWithSession(p == null ? HseStatus.SUCCESS : arg(p, HseStatus.class, code));
                return null;
            case HseReq.MAP_URL_TO_PATH:
                return ecb.mapUrlToPath(arg(p, String.class, code));
            case HseReq.APPEND_LOG_PARAMETER:
                ecb.appendLogParameter(arg(p, String.class, code));
                return null;
            case HseReq.IO_COMPLETION:
                if (p == null || p instanceof IoCompletion) {
                    ecb.ioCompletion((IoCompletion) p, null);
                } else {
                    Object[] a = arg(p, Object[].class, code);
                    if (a.length != 2 || a[0] != null && !(a[0] instanceof IoCompletion)) {
                        throw bad(code, "expects an IoCompletion or Object[]{IoCompletion, context}");
                    }
                    ecb.ioCompletion((IoCompletion) a[0], a[1]);
                }
                return null;
            case HseReq.TRANSMIT_FILE:
                ecb.transmitFile(arg(p, TransmitFileInfo.class, code));
                return null;
            case HseReq.IS_KEEP_CONN:
                return ecb.isKeepConn();
            case HseReq.ASYNC_READ_CLIENT:
                ecb.readClientAsync(arg(p, ByteBuffer.class, code));
                return null;
            case HseReq.CLOSE_CONNECTION:
                ecb.closeConnection();
                return null;
            case HseReq.IS_CONNECTED:
                return ecb.isConnected();
            case HseReq.IS_IN_PROCESS:
                return 0;
            case HseReq.VECTOR_SEND:
                return ecb.vectorSend(arg(p, ResponseVector.class, code));
            case HseReq.GET_CERT_INFO_EX:
                if (p != null) {
                    throw bad(code, "takes no parameter");
                }
                return ecb.getCertInfo();
            case HseReq.CANCEL_IO:
                ecb.cancelIo();
                return null;
            case HseReq.MAP_UNICODE_URL_TO_PATH:
                return ecb.mapUrlToPath(arg(p, String.class, code));
            case HseReq.MAP_URL_TO_PATH_EX:
            case HseReq.MAP_UNICODE_URL_TO_PATH_EX:
                return ecb.mapUrlToPathEx(arg(p, String.class, code));
            case HseReq.NORMALIZE_URL:
                return ecb.normalizeUrl(arg(p, String.class, code));
            case HseReq.EXEC_URL:
            case HseReq.EXEC_UNICODE_URL:
                ecb.execUrl(arg(p, ExecUrlInfo.class, code));
                return null;
            case HseReq.GET_EXEC_URL_STATUS:
                none(p, code);
                return ecb.getExecUrlStatus();
            case HseReq.SEND_CUSTOM_ERROR: {
                CustomErrorInfo info = arg(p, CustomErrorInfo.class, code);
                if (info.async()) {
                    ecb.sendCustomErrorAsync(info.status(), info.subError());
                } else {
                    ecb.sendCustomError(info.status(), info.subError());
                }
                return null;
            }
            case HseReq.SET_FLUSH_FLAG:
                ecb.setFlushFlag(arg(p, Boolean.class, code));
                return null;
            case HseReq.REPORT_UNHEALTHY:
                ecb.reportUnhealthy(p == null ? null : arg(p, String.class, code));
                return null;
            case HseReq.ABORTIVE_CLOSE:
                none(p, code);
                ecb.abortiveClose();
                return null;
            case HseReq.GET_SSPI_INFO:
            case HseReq.REFRESH_ISAPI_ACL:
            case HseReq.GET_IMPERSONATION_TOKEN:
            case HseReq.GET_ANONYMOUS_TOKEN:
            case HseReq.GET_UNICODE_ANONYMOUS_TOKEN:
            case HseReq.GET_TRACE_INFO:
            case HseReq.GET_TRACE_INFO_EX:
            case HseReq.RAISE_TRACE_EVENT:
            case HseReq.GET_CONFIG_OBJECT:
            case HseReq.GET_WORKER_PROCESS_SETTINGS:
            case HseReq.GET_PROTOCOL_MANAGER_CUSTOM_INTERFACE_CALLBACK:
            case HseReq.GET_CHANNEL_BINDING_TOKEN:
                throw new IsapiException(IsapiError.NOT_SUPPORTED,
                        "HSE_REQ " + code + " needs Windows (IIS) and is not available in hse4j");
            case HseReq.GET_CACHE_INVALIDATION_CALLBACK:
                throw new IsapiException(IsapiError.NOT_SUPPORTED,
                        "HSE_REQ " + code + ": hse4j keeps no response cache to invalidate");
            default:
                throw new IsapiException(IsapiError.INVALID_PARAMETER, "unknown HSE_REQ code " + code);
        }
    }

    private static <T> T arg(Object p, Class<T> type, int code) throws IsapiException {
        if (!type.isInstance(p)) {
            throw bad(code, "expects a " + type.getSimpleName() + " parameter, got "
                    + (p == null ? "null" : p.getClass().getSimpleName()));
        }
        return type.cast(p);
    }

    private static void none(Object p, int code) throws IsapiException {
        if (p != null) {
            throw bad(code, "takes no parameter");
        }
    }

    private static IsapiException bad(int code, String what) {
        return new IsapiException(IsapiError.INVALID_PARAMETER, "HSE_REQ " + code + " " + what);
    }
}
