package dev.hse4j.server.host;

import dev.hse4j.api.ExecUrlInfo;
import dev.hse4j.api.ExecUrlStatus;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.UrlMapping;
import dev.hse4j.server.deploy.Deployment;
import dev.hse4j.server.web.CustomErrors;
import dev.hse4j.server.web.UrlNormalizer;
import dev.hse4j.server.web.Webroot;

import java.nio.ByteBuffer;
import java.util.List;

import org.eclipse.jetty.server.Request;

/**
 * The IIS 6 ServerSupportFunction services of one request, behind the ECB's typed methods: child requests
 * (EXEC_URL) and their status, custom errors, the flush flag, health reports, URL normalisation and
 * mapping with flags, abortive close. In a binding without hse4j's connector (the servlet binding) there is no
 * Jetty request and no {@link ResponseControl}: child requests answer 50 (ERROR_NOT_SUPPORTED), the flush flag and
 * the abortive close are left to the container.
 */
final class RequestServices {

    private final Request request;
    private final RequestIo io;
    private final ResponseControl control;
    private final Deployment deployment;
    private final String extensionName;
    private final Webroot webroot;
    private final CustomErrors customErrors;
    private final ChildRequests children;
    private volatile ExecUrlStatus lastChild;

    RequestServices(Request request, RequestIo io, ResponseControl control, Deployment deployment, String extensionName,
                    Webroot webroot, CustomErrors customErrors, ChildRequests children) {
        this.request = request;
        this.io = io;
        this.control = control;
        this.deployment = deployment;
        this.extensionName = extensionName;
        this.webroot = webroot;
        this.customErrors = customErrors;
        this.children = children;
    }

    UrlMapping mapUrlToPathEx(String url) throws IsapiException {
        if (url == null) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no URL");
        }
        String path;
        try {
            path = webroot.map(url).toString();
        } catch (Webroot.OutsideWebrootException e) {
            throw new IsapiException(IsapiError.ACCESS_DENIED, "'" + url + "' is not inside the webroot: " + e.getMessage());
        }
        String normal;
        try {
            normal = UrlNormalizer.normalize(url);
        } catch (UrlNormalizer.BadUrlException e) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "'" + url + "': " + e.getMessage());
        }
        int q = normal.indexOf('?');
        String p = q < 0 ? normal : normal.substring(0, q);
        int flags = UrlMapping.READ;
        int matchingUrl = 0;
        if (p.startsWith(ExtensionHost.PREFIX) && p.length() > ExtensionHost.PREFIX.length()) {
            int slash = p.indexOf('/', ExtensionHost.PREFIX.length());
            matchingUrl = slash < 0 ? p.length() : slash;
            flags = UrlMapping.EXECUTE | UrlMapping.SCRIPT;
        }
        return new UrlMapping(path, flags, webroot.root().toString().length(), matchingUrl);
    }

    String normalizeUrl(String url) throws IsapiException {
        try {
            return UrlNormalizer.normalize(url);
        } catch (UrlNormalizer.BadUrlException e) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "cannot normalise the URL: " + e.getMessage());
        }
    }

    void execUrl(ExecUrlInfo info) throws IsapiException {
        if (request == null) {
            throw new IsapiException(IsapiError.NOT_SUPPORTED,
                    "child requests (execUrl) run through hse4j's own server, not inside a servlet container");
        }
        children.start(request, io, extensionName, info, s -> lastChild = s);
    }

    ExecUrlStatus execUrlStatus() throws IsapiException {
        ExecUrlStatus s = lastChild;
        if (s == null) {
            throw new IsapiException(IsapiError.INVALID_OPERATION, "no child request (execUrl) has ended yet");
        }
        return s;
    }

    /** HSE_REQ_SEND_CUSTOM_ERROR: the error page as the whole response. @return the status sent */
    int sendCustomError(String status, int subError, int defaultStatus, boolean async) throws IsapiException {
        if (status == null || status.isBlank()) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "no status");
        }
        if (subError < 0 || subError > 999) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "sub-error out of range: " + subError);
        }
        int code = ResponseHead.parse(status, null, defaultStatus).status();
        if (code < 400 || code > 599) {
            throw new IsapiException(IsapiError.INVALID_PARAMETER, "not an error status: " + status);
        }
        boolean useCustom = request == null || request.getAttribute(CustomErrors.DISABLE_ATTRIBUTE) == null;
        byte[] page = customErrors.page(code, subError, useCustom);
        ResponseHead h = ResponseHead.parse(status, "Content-Type: text/html; charset=utf-8\r\nContent-Length: "
                + page.length + "\r\nCache-Control: no-store\r\n", code);
        if (subError > 0 && request != null) {
            request.setAttribute(ChildRequests.SUB_STATUS_ATTRIBUTE, subError);
        }
        io.write(List.of(new Segment.Memory(ByteBuffer.wrap(page))), h, true, false, null, null, async);
        return code;
    }

    void flushFlag(boolean flush) {
        if (control != null) { // a servlet container buffers and flushes as it does
            control.flushFlag(flush);
        }
    }

    void reportUnhealthy(String reason) {
        String r = LogText.clean(reason);
        deployment.reportUnhealthy(r.length() > 256 ? r.substring(0, 256) : r);
    }

    void abortiveClose() {
        if (control != null) { // a servlet container owns its sockets: no reset from the application
            control.abortiveClose();
        }
    }

    /** HSE_REQ_CLOSE_CONNECTION after an abortive close: the close is a reset. */
    void beforeCloseConnection() {
        if (control != null && control.isAbortive()) {
            control.armReset();
        }
    }
}
