package dev.hse4j.api;

import java.util.Objects;

/**
 * What {@link HttpExtension#getExtensionVersion()} returns: ISAPI's {@code HSE_VERSION_INFO}, or a refusal.
 *
 * <p>Immutable.
 */
public final class ExtensionVersion {

    /** The ISAPI specification version hse4j implements, {@code HSE_VERSION} 8.0 (major 8, minor 0). */
    public static final int HSE_VERSION = (8 << 16);

    /** The longest description kept, as ISAPI's {@code lpszExtensionDesc[256]} less its NUL. */
    public static final int MAX_DESCRIPTION = 255;

    private final int version;
    private final String description;
    private final String refusal;

    private ExtensionVersion(int version, String description, String refusal) {
        this.version = version;
        this.description = description;
        this.refusal = refusal;
    }

    /**
     * An extension that agrees to be loaded, at {@link #HSE_VERSION}.
     *
     * @param description a human-readable description; longer than {@link #MAX_DESCRIPTION} is cut
     * @return the version info
     */
    public static ExtensionVersion of(String description) {
        return of(HSE_VERSION, description);
    }

    /**
     * An extension that agrees to be loaded, at an explicit version ({@code major << 16 | minor}).
     *
     * @param version the version as ISAPI's {@code MAKELONG(minor, major)}
     * @param description a human-readable description; longer than {@link #MAX_DESCRIPTION} is cut
     * @return the version info
     */
    public static ExtensionVersion of(int version, String description) {
        Objects.requireNonNull(description, "description");
        String d = description.length() > MAX_DESCRIPTION ? description.substring(0, MAX_DESCRIPTION) : description;
        return new ExtensionVersion(version, d, null);
    }

    /**
     * An extension that declines to be loaded (ISAPI's {@code GetExtensionVersion} returning FALSE).
     *
     * @param reason why, reported by the server with the jar's name
     * @return the refusal
     */
    public static ExtensionVersion refuse(String reason) {
        return new ExtensionVersion(0, "", Objects.requireNonNull(reason, "reason"));
    }

    /** @return {@code true} if this is a refusal */
    public boolean isRefused() {
        return refusal != null;
    }

    /** @return the refusal's reason, or {@code null} if not refused */
    public String refusalReason() {
        return refusal;
    }

    /** @return the version, {@code major << 16 | minor} */
    public int version() {
        return version;
    }

    /** @return the major version (ISAPI's HIWORD) */
    public int major() {
        return version >>> 16;
    }

    /** @return the minor version (ISAPI's LOWORD) */
    public int minor() {
        return version & 0xFFFF;
    }

    /** @return the description, never {@code null} */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return isRefused() ? "refused: " + refusal : major() + "." + minor() + " " + description;
    }
}
