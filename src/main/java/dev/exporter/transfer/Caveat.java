package dev.exporter.transfer;

/** Something a user should know about what a sink writes, though nothing failed; the command words it. */
public enum Caveat {
    /** Layers compressed with zstd, stored as they are: docker before 23 cannot load them. */
    ZSTD_LAYERS
}
