package dev.hse4j.server.tls;

import dev.hse4j.server.config.TlsConfig;

import java.security.Provider;
import java.security.Security;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the TLS provider: Conscrypt (BoringSSL through JNI) when its native library loads, else the
 * JDK's SunJSSE with one warning; {@code --tls-provider} forces either. Conscrypt is registered as a
 * JCA provider at the lowest priority, so the JVM's defaults for other code stay the JDK's.
 *
 * @param provider the JCA provider name the server's {@code SSLContext} is taken from
 * @param requested what the configuration asked for
 * @param fallbackReason why Conscrypt was not used although {@code AUTO} asked for it, or null
 */
record ProviderChoice(String provider, TlsConfig.Provider requested, String fallbackReason) {

    static final String CONSCRYPT = "Conscrypt";
    static final String JDK = "SunJSSE";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderChoice.class);

    /** @return whether Conscrypt was chosen */
    boolean isConscrypt() {
        return CONSCRYPT.equals(provider);
    }

    /**
     * @param requested the configured choice
     * @return the choice, Conscrypt registered if chosen
     */
    static ProviderChoice choose(TlsConfig.Provider requested) {
        return choose(requested, ProviderChoice::loadConscrypt);
    }

    /**
     * @param requested the configured choice
     * @param conscrypt loads Conscrypt and returns null, or returns why it cannot load
     * @return the choice
     */
    static ProviderChoice choose(TlsConfig.Provider requested, Supplier<String> conscrypt) {
        if (requested == TlsConfig.Provider.JDK) {
            return new ProviderChoice(JDK, requested, null);
        }
        String failure = conscrypt.get();
        if (failure == null) {
            return new ProviderChoice(CONSCRYPT, requested, null);
        }
        if (requested == TlsConfig.Provider.CONSCRYPT) {
            throw new TlsSetupException("--tls-provider=conscrypt, but Conscrypt cannot load here: " + failure
                    + " (use --tls-provider=auto or jdk to run on the JDK's TLS)");
        }
        LOG.warn("Conscrypt's native library cannot load ({}): HTTPS uses the JDK's TLS (SunJSSE) instead, which "
                + "is slower; --tls-provider=jdk selects it without this warning", failure);
        return new ProviderChoice(JDK, requested, failure);
    }

    /** @return null once Conscrypt is loaded and registered, else why it cannot be */
    static String loadConscrypt() {
        try {
            Class.forName("org.conscrypt.Conscrypt");
        } catch (ClassNotFoundException | LinkageError e) {
            return "the Conscrypt jar is not on the class path";
        }
        try {
            org.conscrypt.Conscrypt.checkAvailability();
        } catch (Throwable t) {
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return String.valueOf(root.getMessage() != null ? root.getMessage() : root);
        }
        synchronized (ProviderChoice.class) {
            if (Security.getProvider(CONSCRYPT) == null) {
                Provider p = org.conscrypt.Conscrypt.newProvider();
                Security.addProvider(p); // last: only code that asks for "Conscrypt" by name gets it
            }
        }
        return null;
    }

    /** @return e.g. {@code 2.9.0} for Conscrypt, the Java version for SunJSSE */
    String version() {
        Provider p = Security.getProvider(provider);
        if (isConscrypt()) {
            try {
                org.conscrypt.Conscrypt.Version v = org.conscrypt.Conscrypt.version();
                return v.major() + "." + v.minor() + "." + v.patch();
            } catch (Throwable t) {
                return p == null ? "?" : p.getVersionStr();
            }
        }
        return p == null ? System.getProperty("java.version") : p.getVersionStr();
    }
}
