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
 * @param progress     told of every transfer; null for none
 * @param ahead        what goes out as soon as each manifest is known; null for nothing
 */
public record ExportOptions(List<Platform> platforms, boolean allPlatforms, int jobs, Path workParent, Path cache,
                            ProgressListener progress, Ahead ahead) {

    /**
     * What to ask for as soon as each manifest is known, beside the request for its config (on a link with latency
     * the config costs a round trip these need not wait for).
     *
     * @param referrers     probe every manifest for referrers: the walk {@link Exporter#withReferrers} will make
     * @param trailersAbove read the gzip trailer of every layer larger than this many bytes (the sizes a docker
     *                      archive written in place needs); -1 for none
     */
    public record Ahead(boolean referrers, long trailersAbove) {
        public static final Ahead NOTHING = new Ahead(false, -1);
    }

    public ExportOptions {
        platforms = List.copyOf(platforms);
        if (platforms.isEmpty()) {
            throw new IllegalArgumentException("no platform to export");
        }
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
        }
        progress = progress == null ? ProgressListener.NONE : progress;
        ahead = ahead == null ? Ahead.NOTHING : ahead;
    }
}
