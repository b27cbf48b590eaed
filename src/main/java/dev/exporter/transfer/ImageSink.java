package dev.exporter.transfer;

import dev.exporter.image.ExportPlan;

import java.io.IOException;

/**
 * A place images are written to: a docker-save archive, an OCI layout (tar or folder), a registry. A sink takes a
 * resolved plan and decides itself which blobs it needs and how (in place, through the cache, decompressed); it
 * fetches them from the plan's source with {@link Downloads}.
 */
public interface ImageSink {

    void write(ExportPlan plan, Downloads downloads) throws IOException;
}
