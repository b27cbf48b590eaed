package dev.exporter.transfer;

import java.io.IOException;
import java.io.InputStream;

/**
 * Consumes a blob while it downloads, so work such as decompression overlaps with the network instead of
 * re-reading the file afterwards. Only a download that starts from the first byte is tapped; a resumed or cached
 * blob is not, and the caller then reads the stored file instead. Whatever the consumer leaves unread is still
 * downloaded and verified.
 */
@FunctionalInterface
public interface Tap {

    void consume(InputStream blob) throws IOException;
}
