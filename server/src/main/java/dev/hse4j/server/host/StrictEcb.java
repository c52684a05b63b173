package dev.hse4j.server.host;

import dev.hse4j.api.CertificateInfo;
import dev.hse4j.api.ExecUrlInfo;
import dev.hse4j.api.ExecUrlStatus;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.HseStatus;
import dev.hse4j.api.IoCompletion;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.OutboundService;
import dev.hse4j.api.ResponseVector;
import dev.hse4j.api.TransmitFileInfo;
import dev.hse4j.api.UrlMapping;

import java.nio.ByteBuffer;

/**
 * The ECB a strict extension is given: the request's {@link Ecb}, with every call reported to its
 * {@link StrictSession} first (calls after the end, synchronous I/O inside completions, the last call of a
 * PENDING request). It changes no behaviour: results and errors are the {@link Ecb}'s. Service calls by
 * number go through the same {@link SupportFunctions} table, onto this object, so they are watched too.
 */
final class StrictEcb implements ExtensionControlBlock {

    private final Ecb ecb;
    private final StrictSession s;

    StrictEcb(Ecb ecb, StrictSession session) {
        this.ecb = ecb;
        this.s = session;
    }

    /** Runs an ECB call that may be refused because the session is ending. */
    private interface Call<T> {
        T run() throws IsapiException;
    }

    private <T> T io(String name, Call<T> call) throws IsapiException {
        try {
            return call.run();
        } catch (IsapiException e) {
            if (e.errorCode() == IsapiError.INVALID_OPERATION) {
                s.refusedAsEnded(name);
            }
            throw e;
        }
    }

    @Override public Object connectionContext() { s.enter("connectionContext"); return ecb.connectionContext(); }
    @Override public int queryRedirectRecord(byte[] buffer) throws IsapiException { s.enter("queryRedirectRecord"); return ecb.queryRedirectRecord(buffer); }
    @Override public dev.hse4j.api.RedirectRecord redirectRecord() throws IsapiException { s.enter("redirectRecord"); return ecb.redirectRecord(); }
    @Override public int version() { s.enter("version"); return ecb.version(); }
    @Override public long connId() { s.enter("connId"); return ecb.connId(); }
    @Override public String method() { s.enter("method"); return ecb.method(); }
    @Override public String queryString() { s.enter("queryString"); return ecb.queryString(); }
    @Override public String pathInfo() { s.enter("pathInfo"); return ecb.pathInfo(); }
    @Override public String pathTranslated() { s.enter("pathTranslated"); return ecb.pathTranslated(); }
    @Override public long totalBytes() { s.enter("totalBytes"); return ecb.totalBytes(); }
    @Override public int available() { s.enter("available"); return ecb.available(); }
    @Override public ByteBuffer data() { s.enter("data"); return ecb.data(); }
    @Override public String contentType() { s.enter("contentType"); return ecb.contentType(); }
    @Override public int statusCode() { s.enter("statusCode"); return ecb.statusCode(); }
    @Override public void setStatusCode(int status) { s.enter("setStatusCode"); ecb.setStatusCode(status); }
    @Override public String logData() { s.enter("logData"); return ecb.logData(); }
    @Override public void setLogData(String text) { s.enter("setLogData"); ecb.setLogData(text); }
    @Override public void appendLogParameter(String text) { s.enter("appendLogParameter"); ecb.appendLogParameter(text); }

    @Override
    public String getServerVariable(String name) throws IsapiException {
        s.enter("getServerVariable");
        return ecb.getServerVariable(name);
    }

    @Override
    public int getServerVariable(String name, byte[] buffer) throws IsapiException {
        s.enter("getServerVariable");
        return ecb.getServerVariable(name, buffer);
    }

    @Override
    public CertificateInfo getCertInfo() throws IsapiException {
        s.enter("getCertInfo");
        return ecb.getCertInfo();
    }

    @Override
    public int writeClient(ByteBuffer src) throws IsapiException {
        s.enter("writeClient");
        s.syncIo("writeClient");
        return io("writeClient", () -> ecb.writeClient(src));
    }

    @Override
    public void writeClientAsync(ByteBuffer src) throws IsapiException {
        s.enter("writeClientAsync", true);
        io("writeClientAsync", () -> {
            ecb.writeClientAsync(src);
            return null;
        });
    }

    @Override
    public void transmitFile(TransmitFileInfo info) throws IsapiException {
        s.enter("transmitFile", true);
        io("transmitFile", () -> {
            ecb.transmitFile(info);
            return null;
        });
    }

    @Override
    public long vectorSend(ResponseVector vector) throws IsapiException {
        s.enter("vectorSend");
        s.syncIo("vectorSend");
        return io("vectorSend", () -> ecb.vectorSend(vector));
    }

    @Override
    public void vectorSendAsync(ResponseVector vector) throws IsapiException {
        s.enter("vectorSendAsync", true);
        io("vectorSendAsync", () -> {
            ecb.vectorSendAsync(vector);
            return null;
        });
    }

    @Override
    public int readClient(ByteBuffer dst) throws IsapiException {
        s.enter("readClient");
        s.syncIo("readClient");
        return io("readClient", () -> ecb.readClient(dst));
    }

    @Override
    public void readClientAsync(ByteBuffer dst) throws IsapiException {
        s.enter("readClientAsync", true);
        io("readClientAsync", () -> {
            ecb.readClientAsync(dst);
            return null;
        });
    }

    @Override
    public void ioCompletion(IoCompletion completion, Object context) {
        s.enter("ioCompletion", true);
        ecb.ioCompletion(completion, context);
    }

    @Override
    public void doneWithSession(HseStatus status) throws IsapiException {
        s.enter("doneWithSession", true);
        io("doneWithSession", () -> {
            ecb.doneWithSession(status);
            return null;
        });
        s.doneWithSessionCalled();
    }

    @Override public void cancelIo() { s.enter("cancelIo"); ecb.cancelIo(); }
    @Override public boolean isConnected() { s.enter("isConnected"); return ecb.isConnected(); }
    @Override public void closeConnection() { s.enter("closeConnection"); ecb.closeConnection(); }
    @Override public boolean isKeepConn() { s.enter("isKeepConn"); return ecb.isKeepConn(); }

    @Override
    public void sendResponseHeader(String status, String headers, boolean keepConn) throws IsapiException {
        s.enter("sendResponseHeader");
        io("sendResponseHeader", () -> {
            ecb.sendResponseHeader(status, headers, keepConn);
            return null;
        });
    }

    @Override
    public void sendUrlRedirect(String url) throws IsapiException {
        s.enter("sendUrlRedirect");
        io("sendUrlRedirect", () -> {
            ecb.sendUrlRedirect(url);
            return null;
        });
    }

    @Override
    public void sendUrl(String url) throws IsapiException {
        s.enter("sendUrl");
        io("sendUrl", () -> {
            ecb.sendUrl(url);
            return null;
        });
    }

    @Override
    public String mapUrlToPath(String url) throws IsapiException {
        s.enter("mapUrlToPath");
        return ecb.mapUrlToPath(url);
    }

    @Override
    public UrlMapping mapUrlToPathEx(String url) throws IsapiException {
        s.enter("mapUrlToPathEx");
        return ecb.mapUrlToPathEx(url);
    }

    @Override
    public String normalizeUrl(String url) throws IsapiException {
        s.enter("normalizeUrl");
        return ecb.normalizeUrl(url);
    }

    @Override
    public void execUrl(ExecUrlInfo info) throws IsapiException {
        s.enter("execUrl", true);
        io("execUrl", () -> {
            ecb.execUrl(info);
            return null;
        });
    }

    @Override
    public ExecUrlStatus getExecUrlStatus() throws IsapiException {
        s.enter("getExecUrlStatus");
        return ecb.getExecUrlStatus();
    }

    @Override
    public void sendCustomError(String status, int subError) throws IsapiException {
        s.enter("sendCustomError");
        s.syncIo("sendCustomError");
        io("sendCustomError", () -> {
            ecb.sendCustomError(status, subError);
            return null;
        });
    }

    @Override
    public void sendCustomErrorAsync(String status, int subError) throws IsapiException {
        s.enter("sendCustomErrorAsync", true);
        io("sendCustomErrorAsync", () -> {
            ecb.sendCustomErrorAsync(status, subError);
            return null;
        });
    }

    @Override
    public OutboundService outbound() throws IsapiException {
        s.enter("outbound", true);
        return ecb.outbound();
    }

    @Override public void setFlushFlag(boolean flush) { s.enter("setFlushFlag"); ecb.setFlushFlag(flush); }
    @Override public void reportUnhealthy(String reason) { s.enter("reportUnhealthy"); ecb.reportUnhealthy(reason); }
    @Override public void abortiveClose() { s.enter("abortiveClose"); ecb.abortiveClose(); }

    @Override
    public Object serverSupportFunction(int hseReq, Object parameter) throws IsapiException {
        return SupportFunctions.call(this, hseReq, parameter);
    }

    @Override
    public String toString() {
        return ecb.toString();
    }
}
