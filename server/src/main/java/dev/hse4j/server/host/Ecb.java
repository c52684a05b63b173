package dev.hse4j.server.host;

import dev.hse4j.api.CertificateInfo;
import dev.hse4j.api.ExecUrlInfo;
import dev.hse4j.api.ExecUrlStatus;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.ExtensionVersion;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.IoCompletion;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.RedirectRecord;
import dev.hse4j.api.ResponseVector;
import dev.hse4j.api.OutboundService;
import dev.hse4j.api.TransmitFileInfo;
import dev.hse4j.api.UrlMapping;
import dev.hse4j.server.deploy.ExtensionResources;
import dev.hse4j.server.proxy.RecordQuery;
import dev.hse4j.server.web.Webroot;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The server's {@link ExtensionControlBlock}: the request's fields, plus thin delegation to the request's
 * {@link RequestIo} (all I/O and the session's end), {@link ServerVariables} and {@link FileSegments}.
 */
final class Ecb implements ExtensionControlBlock {

    // A capacity-0 read-only buffer has no state a caller can change to anything else (position, limit and mark
    // are all 0 whatever is called): one serves every bodiless request.
    private static final ByteBuffer NO_DATA = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final long connId;
    private final String method;
    private final String queryString;
    private final String pathInfo;
    private String contentType; // guarded by this: read from the request when first asked
    private final long totalBytes;
    private final ByteBuffer data;
    private final Webroot webroot;
    private final RequestIo io;
    private final ResponseHead.Cache heads;
    private final Parts parts;
    private ServerVariables variables;   // guarded by this: made on first use
    private RequestServices services;    // guarded by this: made on first use
    private ExtensionResources resources;
    private RecordQuery redirect;        // guarded by this: made on first use
    private String pathTranslated;
    private volatile int statusCode = 200;
    private volatile String logData = "";
    private StringBuilder logParameters; // guarded by this; most requests append nothing

    Ecb(long connId, String method, String queryString, String pathInfo, long totalBytes,
        ByteBuffer data, Webroot webroot, RequestIo io, ResponseHead.Cache heads, Parts parts) {
        this.connId = connId;
        this.method = method;
        this.queryString = queryString;
        this.pathInfo = pathInfo;
        this.totalBytes = totalBytes;
        this.data = data.hasRemaining() ? data.asReadOnlyBuffer() : NO_DATA;
        this.webroot = webroot;
        this.io = io;
        this.heads = heads;
        this.parts = parts;
    }

    /**
     * What an ECB makes only when its extension first asks for it: most requests read no server variable, call
     * no service and query no redirect record, and a hello should not pay for their objects.
     */
    interface Parts {
        /** @param ecb the ECB asking @return its server variables */
        ServerVariables variables(Ecb ecb);

        /** @return the request's IIS services */
        RequestServices services();

        /** @return the redirect-record query, or {@code null} where there is none (a servlet container) */
        RecordQuery redirectRecord();

        /** @return the request's Content-Type, or {@code null} (a header lookup: most extensions never ask) */
        String contentType();
    }

    private synchronized ServerVariables variables() {
        if (variables == null) {
            variables = parts.variables(this);
        }
        return variables;
    }

    private synchronized RequestServices services() {
        if (services == null) {
            services = parts.services();
        }
        return services;
    }

    void bindResources(ExtensionResources resources) {
        this.resources = resources;
    }

    @Override
    public OutboundService outbound() throws IsapiException {
        if (resources == null) {
            return ExtensionControlBlock.super.outbound();
        }
        return resources.outboundFor(this);
    }

    @Override
    public int queryRedirectRecord(byte[] buffer) throws IsapiException {
        return redirect().copyTo(buffer);
    }

    @Override
    public RedirectRecord redirectRecord() throws IsapiException {
        return redirect().view();
    }

    /** @return the redirect-record query; none in a binding without hse4j's connector (a servlet container): 50 */
    private RecordQuery redirect() throws IsapiException {
        RecordQuery r;
        synchronized (this) {
            if (redirect == null) {
                redirect = parts.redirectRecord();
            }
            r = redirect;
        }
        if (r == null) {
            throw new IsapiException(IsapiError.NOT_SUPPORTED,
                    "redirect records exist only on hse4j's own connector, not inside a servlet container");
        }
        return r;
    }

    @Override public int version() { return ExtensionVersion.HSE_VERSION; }
    @Override public long connId() { return connId; }
    @Override public String method() { return method; }
    @Override public String queryString() { return queryString; }
    @Override public String pathInfo() { return pathInfo; }
    @Override public long totalBytes() { return totalBytes; }
    @Override public int available() { return data.limit(); }
    @Override public ByteBuffer data() { return data.duplicate(); }
    @Override
    public synchronized String contentType() {
        if (contentType == null) {
            String t = parts.contentType();
            contentType = t == null ? "" : t;
        }
        return contentType;
    }
    @Override public int statusCode() { return statusCode; }

    @Override
    public synchronized String pathTranslated() {
        if (pathTranslated == null) {
            try {
                pathTranslated = pathInfo.isEmpty() ? "" : webroot.mapDecoded(pathInfo).toString();
            } catch (Webroot.OutsideWebrootException e) {
                pathTranslated = ""; // a path info that leaves the webroot translates to nothing
            }
        }
        return pathTranslated;
    }

    @Override
    public void setStatusCode(int status) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status out of range: " + status);
        }
        statusCode = status;
        io.setDefaultStatus(status);
    }

    @Override public String logData() { return logData; }

    @Override
    public void setLogData(String text) {
        String t = LogText.clean(text);
        logData = t.length() > LOG_DATA_MAX ? t.substring(0, LOG_DATA_MAX) : t;
    }

    @Override
    public void appendLogParameter(String text) {
        String t = LogText.clean(text);
        synchronized (this) {
            if (logParameters == null) {
                logParameters = new StringBuilder();
            }
            logParameters.append(t);
        }
    }

    /** @return the log data and appended parameters, as the access log shows them */
    String logLine() {
        synchronized (this) {
            return logParameters == null || logParameters.length() == 0 ? logData : logData + logParameters;
        }
    }

    @Override
    public Object connectionContext() {
        return variables().connectionContext();
    }

    @Override
    public String getServerVariable(String name) throws IsapiException {
        return variables().get(name);
    }

    @Override
    public int getServerVariable(String name, byte[] buffer) throws IsapiException {
        return variables().get(name, buffer);
    }

    @Override
    public CertificateInfo getCertInfo() {
        return variables().certInfo();
    }

    @Override
    public int writeClient(ByteBuffer src) throws IsapiException {
        requireBuffer(src);
        return (int) io.write(List.of(new Segment.Memory(src)), null, false, false, null, null, false);
    }

    @Override
    public void writeClientAsync(ByteBuffer src) throws IsapiException {
        requireBuffer(src);
        io.write(List.of(new Segment.Memory(src)), null, false, false, null, null, true);
    }

    @Override
    public void transmitFile(TransmitFileInfo info) throws IsapiException {
        if (info == null) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no TransmitFileInfo");
        }
        FileSegments.Prepared p = FileSegments.forTransmitFile(info, statusCode);
        io.write(p.segments(), p.head(), false, info.disconnectAfterSend(), info.completion(), info.context(), true);
    }

    @Override
    public long vectorSend(ResponseVector vector) throws IsapiException {
        return vectorSend(vector, false);
    }

    @Override
    public void vectorSendAsync(ResponseVector vector) throws IsapiException {
        vectorSend(vector, true);
    }

    private long vectorSend(ResponseVector vector, boolean async) throws IsapiException {
        if (vector == null) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no ResponseVector");
        }
        FileSegments.Prepared p = FileSegments.forVector(vector, statusCode);
        return io.write(p.segments(), p.head(), vector.finalSend(), vector.disconnectAfterSend(), null, null, async);
    }

    @Override
    public int readClient(ByteBuffer dst) throws IsapiException {
        return io.read(dst, false);
    }

    @Override
    public void readClientAsync(ByteBuffer dst) throws IsapiException {
        io.read(dst, true);
    }

    @Override
    public void ioCompletion(IoCompletion completion, Object context) {
        io.ioCompletion(completion, context);
    }

    @Override
    public void doneWithSession(HseStatus status) throws IsapiException {
        if (status == HseStatus.PENDING) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "doneWithSession(PENDING) makes no sense");
        }
        io.doneWithSession(status);
    }

    @Override public void cancelIo() { io.cancelIo(); }
    @Override public boolean isConnected() { return io.isConnected(); }
    @Override
    public void closeConnection() {
        services().beforeCloseConnection();
        io.closeConnection();
    }
    @Override public boolean isKeepConn() { return io.isKeepConn(); }

    @Override
    public void sendResponseHeader(String status, String headers, boolean keepConn) throws IsapiException {
        io.sendResponseHeader(heads.parse(status, headers, statusCode), keepConn);
    }

    @Override
    public void sendUrlRedirect(String url) throws IsapiException {
        if (url == null || url.isEmpty()) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no URL");
        }
        ResponseHead.checkValue(url);
        io.sendResponseHeader(ResponseHead.parse("302 Found", "Location: " + url + "\r\nContent-Length: 0\r\n", 302),
                true);
        statusCode = 302;
    }

    @Override
    public void sendUrl(String url) throws IsapiException {
        sendUrlRedirect(url);
    }

    @Override
    public String mapUrlToPath(String url) throws IsapiException {
        if (url == null) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no URL");
        }
        try {
            return webroot.map(url).toString();
        } catch (Webroot.OutsideWebrootException e) {
            throw new IsapiException(IsapiError.ACCESS_DENIED, "'" + url + "' is not inside the webroot: " + e.getMessage());
        }
    }

    // IIS 6 services (issue 15): the logic is in RequestServices.

    @Override
    public UrlMapping mapUrlToPathEx(String url) throws IsapiException {
        return services().mapUrlToPathEx(url);
    }

    @Override
    public String normalizeUrl(String url) throws IsapiException {
        return services().normalizeUrl(url);
    }

    @Override
    public void execUrl(ExecUrlInfo info) throws IsapiException {
        services().execUrl(info);
    }

    @Override
    public ExecUrlStatus getExecUrlStatus() throws IsapiException {
        return services().execUrlStatus();
    }

    @Override
    public void sendCustomError(String status, int subError) throws IsapiException {
        statusCode = services().sendCustomError(status, subError, statusCode, false);
    }

    @Override
    public void sendCustomErrorAsync(String status, int subError) throws IsapiException {
        statusCode = services().sendCustomError(status, subError, statusCode, true);
    }

    @Override
    public void setFlushFlag(boolean flush) {
        services().flushFlag(flush);
    }

    @Override
    public void reportUnhealthy(String reason) {
        services().reportUnhealthy(reason);
    }

    @Override
    public void abortiveClose() {
        services().abortiveClose();
    }

    @Override
    public Object serverSupportFunction(int hseReq, Object parameter) throws IsapiException {
        return SupportFunctions.call(this, hseReq, parameter);
    }

    private static void requireBuffer(ByteBuffer b) throws IsapiException {
        if (b == null) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no buffer");
        }
    }

    @Override
    public String toString() {
        return "ECB[" + connId + " " + method + " " + pathInfo + "]";
    }
}
