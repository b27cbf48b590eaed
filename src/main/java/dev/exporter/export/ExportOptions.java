package dev.exporter.export;

import dev.exporter.reference.Platform;
import dev.exporter.transfer.ProgressListener;

import java.nio.file.Path;

/**
 * How to export.
 *
 * @param platform   the platform to pick from multi-platform tags
 * @param jobs       concurrent blob downloads
 * @param workParent where temporary files go (a folder on the output's file system, so renames are atomic)
 * @param cache      a blob cache folder shared between runs, or null to download into a temporary folder
 */
public record ExportOptions(Platform platform, int jobs, Path workParent, Path cache, ProgressListener progress) {

    public ExportOptions {
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
        }
        progress = progress == null ? ProgressListener.NONE : progress;
    }
}
