package dev.exporter.testing;

/** How a layer tar is compressed. */
public enum Compression { NONE, GZIP, ZSTD }
