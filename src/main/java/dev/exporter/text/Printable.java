package dev.exporter.text;

import java.util.regex.Pattern;

/**
 * The one rule for text that came from outside (a registry, an archive, a proxy) before it is printed or put in a
 * message: control characters (terminal escapes, newlines, BEL) become spaces, credentials are redacted, and a
 * length cap keeps a hostile answer from flooding a terminal.
 */
public final class Printable {

    /** Cap for a fragment quoted inside a message (a header, a status line, a registry's error text). */
    public static final int FRAGMENT = 200;

    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029\\u0085\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]");
    private static final Pattern CREDENTIAL = Pattern.compile(
            "(?i)\\b(bearer|basic)\\s+(?=[A-Za-z0-9._~+/=-]*[0-9+/=._~-])[A-Za-z0-9._~+/=-]{12,}");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    private Printable() {
    }

    /** {@code text} on one printable line, credentials redacted, any length. */
    public static String line(String text) {
        String line = CONTROL.matcher(String.valueOf(text)).replaceAll(" ");
        line = CREDENTIAL.matcher(line).replaceAll("$1 <redacted>");
        return JWT.matcher(line).replaceAll("<redacted>");
    }

    /** {@link #line} cut to {@code max} characters (with "..." when cut). */
    public static String fragment(String text, int max) {
        String line = line(text);
        return line.length() > max ? line.substring(0, max) + "..." : line;
    }

    /** {@link #line} cut to {@link #FRAGMENT} characters. */
    public static String fragment(String text) {
        return fragment(text, FRAGMENT);
    }
}
