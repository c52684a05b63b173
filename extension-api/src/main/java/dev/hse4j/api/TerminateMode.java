package dev.hse4j.api;

/** The {@code dwFlags} of {@link HttpExtension#terminateExtension}: ISAPI's {@code HSE_TERM_*}. */
public enum TerminateMode {
    /** {@code HSE_TERM_ADVISORY_UNLOAD} (1): the extension may refuse by returning {@code false}. */
    ADVISORY(1),
    /** {@code HSE_TERM_MUST_UNLOAD} (2): the extension is unloaded whatever it returns. */
    MUST(2);

    private final int code;

    TerminateMode(int code) {
        this.code = code;
    }

    /** @return the ISAPI numeric value */
    public int code() {
        return code;
    }
}
