/**
 * The hse4j extension API: what an extension jar compiles against, and nothing else.
 *
 * <p>An extension is an {@link dev.hse4j.api.HttpExtension} with ISAPI's three entry points:
 * {@link dev.hse4j.api.HttpExtension#getExtensionVersion() getExtensionVersion} at load,
 * {@link dev.hse4j.api.HttpExtension#httpExtensionProc httpExtensionProc} once per request, and
 * {@link dev.hse4j.api.HttpExtension#terminateExtension terminateExtension} at unload. Every request is
 * handed an {@link dev.hse4j.api.ExtensionControlBlock} (the ECB) through which the extension reads the
 * request, writes the response ({@code writeClient}, synchronous or asynchronous) and calls the
 * ServerSupportFunction services.
 *
 * <h2>Threads</h2>
 * The server calls {@code httpExtensionProc} and every {@link dev.hse4j.api.IoCompletion} on its own
 * threads, never on a network selector thread. An extension may call the ECB from any thread while its
 * request is alive. A completion never runs inside the call that started its operation, and a completion
 * that starts the next operation does not grow the stack.
 *
 * <h2>Errors</h2>
 * Every failure an extension must handle is an {@link dev.hse4j.api.IsapiException} carrying the Win32 /
 * ISAPI error code an ISAPI author knows ({@link dev.hse4j.api.IsapiError}).
 */
package dev.hse4j.api;
