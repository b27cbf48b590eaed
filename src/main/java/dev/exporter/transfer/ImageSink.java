package dev.exporter.transfer;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.ResolvedImage;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * A place images are written to: a docker-save archive, an OCI layout (tar or folder), a registry. A sink takes a
 * resolved plan and decides itself which blobs it needs and how (in place, through the cache, decompressed); it
 * fetches them from the plan's source with {@link Downloads}.
 */
public interface ImageSink {

    /** The blobs of {@code image} this sink will fetch (for progress: the command does not know the format). */
    List<Descriptor> fetches(ResolvedImage image);

    /** What the user should know about how this sink writes {@code image}; nothing by default. */
    default Set<Caveat> caveats(ResolvedImage image) {
        return Set.of();
    }

    void write(ExportPlan plan, Downloads downloads) throws IOException;
}
