package dev.exporter.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** How progress is shown. {@code EXPORTER_PROGRESS=tty|plain|none} overrides the terminal check. */
enum ProgressMode {
    /** Redrawn in place with ANSI cursor movement. */
    TTY,
    /** Appended lines without escape sequences, for logs and CI. */
    PLAIN,
    /** Only the final summary ({@code EXPORTER_PROGRESS=none}). */
    SUMMARY,
    /** Nothing at all ({@code --quiet}). */
    QUIET;

    static final String ENV = "EXPORTER_PROGRESS";

    /** {@code --quiet} wins, then {@code EXPORTER_PROGRESS}, then whether stderr is a terminal that draws. */
    static ProgressMode detect(boolean quiet, Map<String, String> env, boolean stderrIsTerminal) {
        if (quiet) {
            return QUIET;
        }
        String forced = env.getOrDefault(ENV, "").strip().toLowerCase(Locale.ROOT);
        return switch (forced) {
            case "tty" -> TTY;
            case "plain" -> PLAIN;
            case "none" -> SUMMARY;
            default -> stderrIsTerminal && !"dumb".equals(env.get("TERM")) ? TTY : PLAIN;
        };
    }

    boolean draws() {
        return this == TTY || this == PLAIN;
    }

    /** Java cannot ask; Linux tells through /proc which device file descriptor 2 is. */
    static boolean stderrIsTerminal() {
        try {
            return isTerminalDevice(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            // No /proc (macOS): a console on stdin and stdout nearly always means stderr is one too.
            return System.console() != null;
        }
    }

    static boolean isTerminalDevice(String path) {
        return path.startsWith("/dev/pts/") || path.startsWith("/dev/tty");
    }
}
