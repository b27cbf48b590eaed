package dev.exporter.mirrors;

import java.util.Locale;

/** A mirror's {@code pull-from-mirror}: which references it serves. */
public enum PullFromMirror {
    /** By tag and by digest (the default). */
    ALL,
    /** Only references with a digest: a stale mirror cannot hand out another image for a moved tag. */
    DIGEST_ONLY,
    /** Only references by tag, e.g. for an expensive mirror that digest pulls need not use. */
    TAG_ONLY;

    /** Parses the value as written in registries.conf ({@code all}, {@code digest-only}, {@code tag-only}). */
    public static PullFromMirror parse(String value) {
        return switch (value) {
            case "", "all" -> ALL;
            case "digest-only" -> DIGEST_ONLY;
            case "tag-only" -> TAG_ONLY;
            default -> throw new IllegalArgumentException("unsupported pull-from-mirror value \"" + value
                    + "\" (want all, digest-only or tag-only)");
        };
    }

    /** Whether a reference with ({@code digested}) or without a digest may be pulled from this mirror. */
    public boolean serves(boolean digested) {
        return switch (this) {
            case ALL -> true;
            case DIGEST_ONLY -> digested;
            case TAG_ONLY -> !digested;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
