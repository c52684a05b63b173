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
    /** 1012: Windows only (the URL map flags come from the IIS metabase). */
    public static final int MAP_URL_TO_PATH_EX = 1012;
    /** 1014: Windows only (ignored by IIS since 5.1). */
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
    /** 1030: no parameter; returns {@code Integer} 0 (HSE_APP_FLAG_IN_PROCESS): extensions run in the server's JVM. */
    public static final int IS_IN_PROCESS = 1030;
    /** 1037: parameter {@link ResponseVector}; returns {@code Long} bytes if synchronous, else null. */
    public static final int VECTOR_SEND = 1037;
    /** 1038: Windows only. */
    public static final int GET_ANONYMOUS_TOKEN = 1038;
    /** 1042: Windows only (ETW). */
    public static final int GET_TRACE_INFO = 1042;
    /** 1046: Windows only (COM). */
    public static final int GET_CONFIG_OBJECT = 1046;
    /** 1049: no parameter; returns null. {@link ExtensionControlBlock#cancelIo}. */
    public static final int CANCEL_IO = 1049;
    /** 1050: Windows only (the JDK's TLS does not expose channel bindings). */
    public static final int GET_CHANNEL_BINDING_TOKEN = 1050;
}
