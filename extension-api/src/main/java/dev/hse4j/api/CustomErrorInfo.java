package dev.hse4j.api;

/**
 * HSE_CUSTOM_ERROR_INFO, for {@link HseReq#SEND_CUSTOM_ERROR} through
 * {@link ExtensionControlBlock#serverSupportFunction}.
 *
 * @param status the status line, e.g. {@code "404 Not Found"} (pszStatus)
 * @param subError the sub-status, e.g. 2 for a 404.2 (uHttpSubError); 0 for none
 * @param async whether it completes through the registered completion (fAsync)
 */
public record CustomErrorInfo(String status, int subError, boolean async) {
}
