package dev.hse4j.api;

/**
 * ServerSupportFunction request codes ({@code HSE_REQ_*}) for
 * {@link ExtensionControlBlock#serverSupportFunction(int, Object)}. Each supported code says what its
 * {@code parameter} is and what it returns; the typed ECB methods are the better way to call them.
 * Codes that need Windows (SSPI, impersonation tokens, ACLs, ETW, COM) answer
 * {@link IsapiError#NOT_SUPPORTED}; codes hse4j does not know answer {@link IsapiError#INVALID_PARAMETER}.
 */
public final class HseReq {

    private HseReq() {
    }

    /** 1: parameter {@code String} URL; returns null. {@link ExtensionControlBlock#sendUrlRedirect}. */
    public static final int SEND_URL_REDIRECT_RESP = 1;
    /** 2: parameter {@code String} URL; returns null. {@link ExtensionControlBlock#sendUrl}. */
    public static final int SEND_URL = 2;
    /**
     * 3: parameter {@code String[]{status, headers}} (either may be null) or a {@code String} status;
     * returns null. {@link ExtensionControlBlock#sendResponseHeader(String, String)}.
     */
    public static final int SEND_RESPONSE_HEADER = 3;
    /** 4: parameter {@link HseStatus} or null (SUCCESS); returns null. {@link ExtensionControlBlock#doneWithSession}. */
    public static final int DONE_WITH_SESSION = 4;
    /** 1001: parameter {@code String} URL; returns the {@code String} path. {@link ExtensionControlBlock#mapUrlToPath}. */
    public static final int MAP_URL_TO_PATH = 1001;
    /** 1002: Windows only. */
    public static final int GET_SSPI_INFO = 1002;
    /** 1003: parameter {@code String}; returns null. {@link ExtensionControlBlock#appendLogParameter}. */
    public static final int APPEND_LOG_PARAMETER = 1003;
    /**
     * 1005: parameter an {@link IoCompletion}, or {@code Object[]{IoCompletion, context}}; returns null.
     * {@link ExtensionControlBlock#ioCompletion}.
     */
    public static final int IO_COMPLETION = 1005;
    /** 1006: parameter {@link TransmitFileInfo}; returns null. {@link ExtensionControlBlock#transmitFile}. */
    public static final int TRANSMIT_FILE = 1006;
    /** 1007: Windows only. */
    public static final int REFRESH_ISAPI_ACL = 1007;
    /** 1008: no parameter; returns {@code Boolean}. {@link ExtensionControlBlock#isKeepConn}. */
    public static final int IS_KEEP_CONN = 1008;
    /** 1010: parameter {@link java.nio.ByteBuffer}; returns null. {@link ExtensionControlBlock#readClientAsync}. */
    public static final int ASYNC_READ_CLIENT = 1010;
    /** 1011: Windows only. */
    public static final int GET_IMPERSONATION_TOKEN = 1011;
    /**
     * 1012: parameter {@code String} URL; returns the {@link UrlMapping} (path, flags, matching lengths).
     * {@link ExtensionControlBlock#mapUrlToPathEx}.
     */
    public static final int MAP_URL_TO_PATH_EX = 1012;
    /** 1014: no parameter; returns null. {@link ExtensionControlBlock#abortiveClose}. */
    public static final int ABORTIVE_CLOSE = 1014;
    /**
     * 1015: no parameter; returns the {@link CertificateInfo} of the request's client certificate (empty
     * bytes and flags 0 when there is none). {@link ExtensionControlBlock#getCertInfo()}.
     */
    public static final int GET_CERT_INFO_EX = 1015;
    /** 1016: parameter {@code Object[]{status, headers, Boolean keepConn}}; returns null. */
    public static final int SEND_RESPONSE_HEADER_EX = 1016;
    /** 1017: no parameter; returns null. {@link ExtensionControlBlock#closeConnection}. */
    public static final int CLOSE_CONNECTION = 1017;
    /** 1018: no parameter; returns {@code Boolean}. {@link ExtensionControlBlock#isConnected}. */
    public static final int IS_CONNECTED = 1018;
    /**
     * 1020: HSE_REQ_EXTENSION_TRIGGER, undocumented (it notifies ISAPI filters, which hse4j does not have);
     * answers {@link IsapiError#INVALID_PARAMETER} as mod_isapi does.
     */
    public static final int EXTENSION_TRIGGER = 1020;
    /**
     * 1023: parameter {@code String} URL (Unicode: Java strings always are); returns the {@code String}
     * path. {@link ExtensionControlBlock#mapUrlToPath}.
     */
    public static final int MAP_UNICODE_URL_TO_PATH = 1023;
    /** 1024: parameter {@code String} URL; returns the {@link UrlMapping}. {@link ExtensionControlBlock#mapUrlToPathEx}. */
    public static final int MAP_UNICODE_URL_TO_PATH_EX = 1024;
    /**
     * 1025: parameter {@link ExecUrlInfo} (its URL may hold any Unicode characters); returns null; completes
     * through the registered completion. {@link ExtensionControlBlock#execUrl}.
     */
    public static final int EXEC_UNICODE_URL = 1025;
    /** 1026: parameter {@link ExecUrlInfo}; returns null; asynchronous. {@link ExtensionControlBlock#execUrl}. */
    public static final int EXEC_URL = 1026;
    /** 1027: no parameter; returns the {@link ExecUrlStatus}. {@link ExtensionControlBlock#getExecUrlStatus}. */
    public static final int GET_EXEC_URL_STATUS = 1027;
    /**
     * 1028: parameter {@link CustomErrorInfo}; returns null (asynchronous when the info says so).
     * {@link ExtensionControlBlock#sendCustomError}.
     */
    public static final int SEND_CUSTOM_ERROR = 1028;
    /** 1030: no parameter; returns {@code Integer} 0 (HSE_APP_FLAG_IN_PROCESS): extensions run in the server's JVM. */
    public static final int IS_IN_PROCESS = 1030;
    /**
     * 1032: parameter {@code String} reason, or null; returns null. {@link ExtensionControlBlock#reportUnhealthy}.
     */
    public static final int REPORT_UNHEALTHY = 1032;
    /** 1033: parameter {@code String} URL; returns the normalised {@code String}. {@link ExtensionControlBlock#normalizeUrl}. */
    public static final int NORMALIZE_URL = 1033;
    /** 1037: parameter {@link ResponseVector}; returns {@code Long} bytes if synchronous, else null. */
    public static final int VECTOR_SEND = 1037;
    /** 1038: Windows only. */
    public static final int GET_ANONYMOUS_TOKEN = 1038;
    /** 1040: not supported (50): hse4j keeps no kernel response cache to invalidate. */
    public static final int GET_CACHE_INVALIDATION_CALLBACK = 1040;
    /** 1041: Windows only (an account token). */
    public static final int GET_UNICODE_ANONYMOUS_TOKEN = 1041;
    /** 1042: Windows only (ETW). */
    public static final int GET_TRACE_INFO = 1042;
    /**
     * 1043: parameter {@code Boolean}; returns null. {@link ExtensionControlBlock#setFlushFlag}. (In C the
     * BOOL value itself is passed, not a pointer to it.)
     */
    public static final int SET_FLUSH_FLAG = 1043;
    /** 1044: Windows only (ETW). */
    public static final int GET_TRACE_INFO_EX = 1044;
    /** 1045: Windows only (ETW). */
    public static final int RAISE_TRACE_EVENT = 1045;
    /** 1046: Windows only (COM). */
    public static final int GET_CONFIG_OBJECT = 1046;
    /** 1047: Windows only (IIS worker-process settings, COM). */
    public static final int GET_WORKER_PROCESS_SETTINGS = 1047;
    /** 1048: Windows only (IIS protocol manager, COM). */
    public static final int GET_PROTOCOL_MANAGER_CUSTOM_INTERFACE_CALLBACK = 1048;
    /** 1049: no parameter; returns null. {@link ExtensionControlBlock#cancelIo}. */
    public static final int CANCEL_IO = 1049;
    /** 1050: Windows only (the JDK's TLS does not expose channel bindings). */
    public static final int GET_CHANNEL_BINDING_TOKEN = 1050;
}
