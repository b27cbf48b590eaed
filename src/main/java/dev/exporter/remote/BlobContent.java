package dev.exporter.remote;

import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of one blob to upload, readable again from any offset (a resent request, a resumed upload). Reads that
 * reach the end verify the whole blob against its digest, so a damaged source is refused before its last byte is
 * sent.
 */
public interface BlobContent {

    /** The blob from byte {@code offset} to its end. */
    InputStream open(long offset) throws IOException;
}
