package dev.exporter.cli;

import java.util.Locale;

/** How sizes, durations and times left are written for people: {@code 4.0 MiB}, {@code 6.3 s}, {@code 3m05s}. */
final class Units {

    private static final String[] BINARY = {"KiB", "MiB", "GiB", "TiB"};

    private Units() {
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 40.0 MiB}: binary units with one decimal. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < BINARY.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BINARY[unit]);
    }

    /** {@code 4.0 MiB/s}. */
    static String rate(double bytesPerSecond) {
        return size((long) bytesPerSecond) + "/s";
    }

    /** {@code 45s}, {@code 3m05s}, {@code 2h07m}: seconds rounded up. */
    static String eta(double seconds) {
        long s = (long) Math.ceil(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }

    /** {@code 0.4 s}, {@code 12.3 s}, {@code 3m05s}. */
    static String duration(long nanos) {
        double seconds = nanos / 1e9;
        return seconds < 60 ? String.format(Locale.ROOT, "%.1f s", seconds) : eta(seconds);
    }
}
