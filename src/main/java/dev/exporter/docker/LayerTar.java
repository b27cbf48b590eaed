package dev.exporter.docker;

import java.nio.file.Path;

/** Where the uncompressed tar of a layer comes from when a {@code docker save} archive is written. */
public sealed interface LayerTar {

    /** A finished file. */
    record File(Path path) implements LayerTar {
    }

    /** Nothing yet: the archive keeps a hole of exactly {@code size} bytes that the caller fills in later. */
    record Hole(long size) implements LayerTar {
    }
}
