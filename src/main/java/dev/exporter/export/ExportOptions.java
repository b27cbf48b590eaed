package dev.exporter.export;

import dev.exporter.reference.Platform;
import dev.exporter.transfer.ProgressListener;

import java.nio.file.Path;
import java.util.List;

/**
 * How to export.
 *
 * @param platforms    the platforms to keep from multi-platform tags, the first being the primary one (the image a
 *                     docker archive holds); never empty
 * @param allPlatforms keep a multi-platform tag's whole index
 * @param jobs         concurrent blob downloads
 * @param workParent   where temporary files go (a folder on the output's file system, so renames are atomic)
 * @param cache        a blob cache folder shared between runs, or null to download into a temporary folder
 */
public record ExportOptions(List<Platform> platforms, boolean allPlatforms, int jobs, Path workParent, Path cache,
                            ProgressListener progress) {

    public ExportOptions {
        platforms = List.copyOf(platforms);
        if (platforms.isEmpty()) {
            throw new IllegalArgumentException("no platform to export");
        }
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
        }
        progress = progress == null ? ProgressListener.NONE : progress;
    }
}
