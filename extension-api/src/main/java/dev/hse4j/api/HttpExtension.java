package dev.hse4j.api;

/**
 * An ISAPI-style extension: the three entry points of an ISAPI DLL, as a Java interface.
 *
 * <p>The server creates one instance per deployed extension (public no-argument constructor) and calls it
 * from many threads at once: an implementation must be thread-safe and keep per-request state in the
 * {@link ExtensionControlBlock} or in objects it creates per request.
 *
 * <p><b>Discovery.</b> A jar names its extension classes in its manifest
 * ({@code Hse4j-Extension-Class: com.example.MyExtension}, several separated by commas) or in
 * {@code META-INF/services/dev.hse4j.api.HttpExtension}. Each is mounted at {@code /ext/<name>} where the
 * name comes from {@link ExtensionSettings#name()} or, by default, the jar's file name without
 * {@code .jar}.
 */
public interface HttpExtension {

    /**
     * Called once when the extension is loaded, before {@link #getExtensionVersion()}, with the services
     * the extension may use outside a request (for example from a thread it starts), such as outbound
     * connections. The context stays valid until this extension version is unloaded. The default ignores
     * it, so extensions written before it existed are unaffected.
     *
     * @param context this extension version's services
     */
    default void attach(ExtensionContext context) {
    }

    /**
     * GetExtensionVersion: called once when the extension is loaded, before it takes any request.
     *
     * <p>Return {@link ExtensionVersion#of(String)} to be used, or {@link ExtensionVersion#refuse(String)}
     * to decline (ISAPI's {@code FALSE}); throwing also declines. A declined extension takes no traffic
     * and the server reports the jar and the reason.
     *
     * @return the version and description, or a refusal
     * @throws Exception any failure; the extension is then not used
     */
    ExtensionVersion getExtensionVersion() throws Exception;

    /**
     * HttpExtensionProc: called once per request, on a server thread.
     *
     * <p>Return {@link HseStatus#SUCCESS} or {@link HseStatus#SUCCESS_AND_KEEP_CONN} once the response is
     * written (the server then finishes it), {@link HseStatus#PENDING} to keep the request open until
     * {@link ExtensionControlBlock#doneWithSession(HseStatus)}, or {@link HseStatus#ERROR}. Returning
     * {@code ERROR} or throwing gives the client a 500 if nothing was sent yet; otherwise the connection is
     * closed, since a half-sent response cannot be repaired. Either way the server logs the extension's
     * name and keeps serving.
     *
     * @param ecb the request's control block, valid until the request ends
     * @return what the server should do with the request
     * @throws Exception a failure, treated as {@link HseStatus#ERROR}
     */
    HseStatus httpExtensionProc(ExtensionControlBlock ecb) throws Exception;

    /**
     * TerminateExtension: called when the extension is unloaded (undeploy, redeploy, server stop), after
     * its last request ended or its drain time ran out.
     *
     * <p>With {@link TerminateMode#ADVISORY} the extension may return {@code false} to ask to stay
     * loaded; the server then tries again later with {@link TerminateMode#MUST}, whose return value is
     * ignored. The default does nothing and agrees.
     *
     * @param mode advisory or mandatory unload
     * @return {@code true} to agree to the unload
     */
    default boolean terminateExtension(TerminateMode mode) {
        return true;
    }
}
