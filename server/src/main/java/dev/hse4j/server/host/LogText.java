package dev.hse4j.server.host;

/** Makes extension-supplied text safe for one quoted access-log field. */
final class LogText {

    private LogText() {
    }

    static String clean(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(c < ' ' || c == 127 || c == '"' || c == '\\' ? '_' : c);
        }
        return sb.toString();
    }
}
