package dev.hse4j.server.strict;

/**
 * Stacks as strict mode shows them: starting at the extension's call into the ECB (the server's own frames
 * above it, strict mode's included, are left out), at most {@value #MAX_FRAMES} frames.
 */
public final class Stacks {

    /** Enough to reach from the ECB call into the extension's own code and its caller. */
    public static final int MAX_FRAMES = 24;

    private Stacks() {
    }

    /**
     * @param frames a stack, innermost first
     * @return the frames from the first one outside hse4j's strict and host layers, formatted
     */
    public static String format(StackTraceElement[] frames) {
        int start = 0;
        int ecbCall = -1;
        while (start < frames.length - 1 && isServerFrame(frames[start])) {
            if (frames[start].getClassName().equals("dev.hse4j.server.host.StrictEcb")) {
                ecbCall = start;
            }
            start++;
        }
        if (ecbCall >= 0) {
            start = ecbCall; // keep the ECB method the extension called, so the report says which call
        }
        StringBuilder sb = new StringBuilder();
        int end = Math.min(frames.length, start + MAX_FRAMES);
        for (int i = start; i < end; i++) {
            sb.append("    at ").append(frames[i]).append('\n');
        }
        if (end < frames.length) {
            sb.append("    ... ").append(frames.length - end).append(" more\n");
        }
        return sb.toString();
    }

    /**
     * @param frames a sampled thread's stack, innermost first
     * @return all of it (up to the limit), formatted: where the thread is, even inside the JDK
     */
    public static String formatThread(StackTraceElement[] frames) {
        StringBuilder sb = new StringBuilder();
        int end = Math.min(frames.length, MAX_FRAMES);
        for (int i = 0; i < end; i++) {
            sb.append("    at ").append(frames[i]).append('\n');
        }
        if (end < frames.length) {
            sb.append("    ... ").append(frames.length - end).append(" more\n");
        }
        return sb.toString();
    }

    /** @return the calling thread's stack, formatted */
    public static String here() {
        return format(new Throwable().getStackTrace());
    }

    private static boolean isServerFrame(StackTraceElement f) {
        String c = f.getClassName();
        return c.startsWith("dev.hse4j.server.strict.") || c.startsWith("dev.hse4j.server.host.")
                || c.startsWith("java.lang.Thread") || c.equals("dev.hse4j.api.ExtensionControlBlock");
    }
}
