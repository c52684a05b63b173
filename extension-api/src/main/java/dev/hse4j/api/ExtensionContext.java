package dev.hse4j.api;

/**
 * The services of one loaded extension version that do not need a request, handed to
 * {@link HttpExtension#attach(ExtensionContext)} at load. Valid until that version is unloaded; after
 * {@link HttpExtension#terminateExtension(TerminateMode)} its services fail with
 * {@link IsapiError#INVALID_OPERATION}. Thread-safe.
 */
public interface ExtensionContext {

    /** @return the extension's mount name ({@code /ext/<name>}) */
    String name();

    /**
     * The outbound-connection service, usable from any thread, within a request or not. Completions of
     * connections opened through it carry no ECB ({@link Completion#ecb()} is {@code null}).
     *
     * @return the service
     */
    OutboundService outbound();

    /**
     * A setting the operator gave this extension on the server's command line
     * ({@code --ext-setting <name>.<key>=<value>}), e.g. the upstream of a proxying extension. Settings
     * come from the operator, never from the jar.
     *
     * @param key the setting's key
     * @return its value, or {@code null} if the operator gave none
     */
    String setting(String key);
}
