package dev.hse4j.api;

/**
 * HSE_EXEC_URL_STATUS: how the last child request of {@link ExtensionControlBlock#execUrl} ended.
 *
 * @param httpStatus the child's HTTP status (uHttpStatusCode)
 * @param httpSubStatus the child's sub-status (uHttpSubStatus): the sub-error of a custom error the child
 *     sent with {@link ExtensionControlBlock#sendCustomError}, else 0
 * @param win32Error 0 when the child ran to its end, else the Win32 code of what stopped it (e.g.
 *     {@link IsapiError#OPERATION_ABORTED} when the client went away)
 */
public record ExecUrlStatus(int httpStatus, int httpSubStatus, int win32Error) {
}
