package dev.hse4j.api;

/**
 * HSE_URL_MAPEX_INFO: the result of {@link ExtensionControlBlock#mapUrlToPathEx(String)}.
 *
 * <p>hse4j has one virtual root: the webroot, mounted at {@code /}. URLs under {@code /ext/} are where
 * extensions run.
 *
 * @param path the absolute file-system path inside the webroot (lpszPath)
 * @param flags the access flags of the URL's place (dwFlags): {@link #READ} for the webroot's files;
 *     {@link #EXECUTE} and {@link #SCRIPT} for URLs under {@code /ext/}; {@link #SSL} never (HTTPS is not
 *     required anywhere)
 * @param matchingPathLength how many leading characters of {@code path} are the physical root of the URL's
 *     place, the webroot (cchMatchingPath)
 * @param matchingUrlLength how many leading characters of the URL name that place (cchMatchingURL): 0 for the
 *     webroot's root ({@code /}), as IIS counts the root virtual directory; the length of
 *     {@code /ext/<name>} for a URL under an extension's mount
 */
public record UrlMapping(String path, int flags, int matchingPathLength, int matchingUrlLength) {
    /** HSE_URL_FLAGS_READ (0x001): files may be read. */
    public static final int READ = 0x001;
    /** HSE_URL_FLAGS_WRITE (0x002): files may be written (never in hse4j). */
    public static final int WRITE = 0x002;
    /** HSE_URL_FLAGS_EXECUTE (0x004): extensions may run. */
    public static final int EXECUTE = 0x004;
    /** HSE_URL_FLAGS_SSL (0x008): HTTPS is required (never in hse4j). */
    public static final int SSL = 0x008;
    /** HSE_URL_FLAGS_SCRIPT (0x200): script maps apply. */
    public static final int SCRIPT = 0x200;
}
