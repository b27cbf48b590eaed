package dev.exporter.remote;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Content-Range: bytes FIRST-LAST/TOTAL} answer to a resumed blob request, parsed once for every reader.
 * Anything that is not exactly the rest of the blob (huge, negative, another range, another total) is refused.
 */
final class ContentRange {

    private static final Pattern RANGE = Pattern.compile("bytes (\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)");

    private ContentRange() {
    }

    /**
     * Whether {@code header} is the rest of a blob of {@code size} bytes (-1: unknown) after the {@code have} bytes
     * already held.
     */
    static boolean isRestOf(String header, long have, long size) {
        Matcher m = RANGE.matcher(String.valueOf(header));
        if (!m.matches() || Long.parseLong(m.group(1)) != have) {
            return false;
        }
        long last = Long.parseLong(m.group(2));
        String total = m.group(3);
        if (last < have) {
            return false;
        }
        if (size >= 0) {
            return last == size - 1 && (total.equals("*") || Long.parseLong(total) == size);
        }
        return total.equals("*") || Long.parseLong(total) == last + 1;
    }

    /** The blob's total size a valid rest-of-blob header states, or -1 when it says {@code *}. */
    static long total(String header) {
        Matcher m = RANGE.matcher(String.valueOf(header));
        return m.matches() && !m.group(3).equals("*") ? Long.parseLong(m.group(3)) : -1;
    }
}
