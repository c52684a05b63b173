package dev.hse4j.server.deploy;

import dev.hse4j.api.ExtensionContext;
import dev.hse4j.api.ExtensionControlBlock;
import dev.hse4j.api.IsapiError;
import dev.hse4j.api.IsapiException;
import dev.hse4j.api.OutboundService;

/**
 * What one loaded extension version holds beyond its class loader (its {@link ExtensionContext}, its
 * outbound connections): opened at load, closed when that version is terminated or discarded.
 */
public interface ExtensionResources {

    /** @return the context handed to the extension at load */
    ExtensionContext context();

    /**
     * @param ecb the request
     * @return the outbound service whose completions carry that request's ECB
     */
    OutboundService outboundFor(ExtensionControlBlock ecb);

    /** Releases everything (closes open connections); idempotent. */
    void close();

    /** Opens the resources of an extension version being loaded. */
    interface Factory {
        /**
         * @param name the mount name
         * @param loader the extension's class loader (the context loader of its completions)
         * @return the resources
         */
        ExtensionResources open(String name, ClassLoader loader);

        /** No services: for a loader used without a server (tests). */
        Factory NONE = (name, loader) -> new ExtensionResources() {
            private final OutboundService none = (remote, firstData, flags, completion, context) -> {
                throw new IsapiException(IsapiError.NOT_SUPPORTED, "no outbound connections in this host");
            };

            @Override
            public ExtensionContext context() {
                return new ExtensionContext() {
                    @Override public String name() { return name; }
                    @Override public OutboundService outbound() { return none; }
                    @Override public String setting(String key) { return null; }
                };
            }

            @Override
            public OutboundService outboundFor(ExtensionControlBlock ecb) {
                return none;
            }

            @Override
            public void close() {
            }
        };
    }
}
