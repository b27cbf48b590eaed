package dev.exporter.cli;

import dev.exporter.cli.TransferCounter.State;
import dev.exporter.cli.TransferCounter.Transfer;
import dev.exporter.export.ExportResult;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ResolvedImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The text of progress, made from counts and rates: the lines of a terminal frame, the lines a log gets, the
 * summary. Nothing here prints; {@link ProgressRenderer} makes each line printable and writes it.
 */
final class ProgressLines {

    /** Per-blob lines shown on a terminal; beyond that only active downloads and a count. */
    static final int MAX_BLOB_LINES = 10;

    private final int width;

    /** @param width the terminal's columns, at least 40 */
    ProgressLines(int width) {
        this.width = width;
    }

    /** {@code registry.test/app:1: sha256:... (linux/amd64, 2 layers, 40.0 MiB)}. */
    static String resolved(ResolvedImage image) {
        return String.format(Locale.ROOT, "%s: %s (%s, %d layers, %s)%s", image.reference(), image.digest(),
                image.config().platform(), image.manifest().layers().size(), Units.size(image.manifest().totalSize()),
                from(image));
    }

    /** {@code " from mirror.corp/library/alpine:3.14"} for an image read elsewhere than its name says, else empty. */
    private static String from(ResolvedImage image) {
        return image.origin() == null ? "" : " from " + image.origin();
    }

    /** {@code Referrers: 3 (signatures, SBOMs, attestations), 4 blobs, 1.2 KiB}. */
    static String referrers(int count, List<Descriptor> blobs) {
        return String.format(Locale.ROOT, "Referrers: %d (signatures, SBOMs, attestations), %d blobs, %s", count,
                blobs.size(), Units.size(blobs.stream().mapToLong(Descriptor::size).sum()));
    }

    /** The log line for a blob that is there: cached, or done with the time it took. */
    static String finished(Transfer t) {
        String prefix = t.blob().digest().shortHex() + ": ";
        return t.state() == State.CACHED
                ? prefix + t.word() + " " + Units.size(t.blob().size())
                : prefix + t.word() + " " + Units.size(t.blob().size()) + " in " + Units.duration(t.elapsed());
    }

    /** The summary: one line for one image, else a line per image and a total. */
    static List<String> summary(String where, ExportResult result, long cachedBytes, long nanos) {
        String fromCache = cachedBytes > 0 ? ", " + Units.size(cachedBytes) + " from cache" : "";
        List<ResolvedImage> images = result.images();
        if (images.size() == 1) {
            ResolvedImage image = images.get(0);
            return List.of(String.format(Locale.ROOT, "Wrote %s: %s %s%s (%s%s) in %s", where, image.reference(),
                    image.digest(), from(image), Units.size(result.contentBytes()), fromCache, Units.duration(nanos)));
        }
        List<String> lines = new ArrayList<>();
        for (ResolvedImage image : images) {
            lines.add(String.format(Locale.ROOT, "  %s %s%s (%s)", image.reference(), image.digest(), from(image),
                    Units.size(image.manifest().totalSize())));
        }
        lines.add(String.format(Locale.ROOT, "Wrote %s: %d images, %s%s in %s", where, images.size(),
                Units.size(result.contentBytes()), fromCache, Units.duration(nanos)));
        return lines;
    }

    /** The terminal frame: blob lines (only active ones and a count when there are many) and the total. */
    List<String> frame(List<Transfer> all, ToDoubleFunction<Transfer> rate, double totalRate) {
        List<String> lines = new ArrayList<>();
        if (all.size() <= MAX_BLOB_LINES) {
            all.forEach(t -> lines.add(blob(t, rate.applyAsDouble(t))));
        } else {
            int[] counts = new int[State.values().length];
            for (Transfer t : all) {
                State state = t.state();
                if (state == State.DOWNLOADING && lines.size() < MAX_BLOB_LINES) {
                    lines.add(blob(t, rate.applyAsDouble(t)));
                } else {
                    counts[state.ordinal()]++;
                }
            }
            lines.add(String.format(Locale.ROOT, "+ %d more: %s", all.size() - lines.size(), counts(counts)));
        }
        lines.add(total(all, totalRate));
        return lines;
    }

    private static String counts(int[] counts) {
        List<String> parts = new ArrayList<>();
        String[] names = {"waiting", "downloading", "cached", "done"};
        for (State state : List.of(State.DONE, State.CACHED, State.DOWNLOADING, State.WAITING)) {
            if (counts[state.ordinal()] > 0) {
                parts.add(counts[state.ordinal()] + " " + names[state.ordinal()]);
            }
        }
        return String.join(", ", parts);
    }

    private String blob(Transfer t, double rate) {
        String name = t.blob().digest().shortHex() + ": ";
        long size = t.blob().size();
        return switch (t.state()) {
            case WAITING -> name + t.word();
            case CACHED, DONE -> name + t.word() + " " + Units.size(size);
            case DOWNLOADING -> {
                long have = t.doneBytes();
                String head = name + t.word() + " ";
                String tail = Units.size(have) + " / " + Units.size(size) + rateAndEta(rate, size - have);
                int barWidth = Math.min(30, width - 1 - head.length() - tail.length() - 4);
                yield barWidth >= 8 ? head + bar(have, size, barWidth) + "  " + tail : head + tail;
            }
        };
    }

    /** {@code Total: 9.0 MiB / 34.0 MiB (26%)}, with rate and ETA while bytes are missing. */
    static String total(List<Transfer> all, double totalRate) {
        long total = 0;
        long done = 0;
        for (Transfer t : all) {
            total += t.blob().size();
            done += t.doneBytes();
        }
        long percent = total == 0 ? 100 : done * 100 / total;
        String line = String.format(Locale.ROOT, "Total: %s / %s (%d%%)", Units.size(done), Units.size(total), percent);
        return done < total ? line + rateAndEta(totalRate, total - done) : line;
    }

    /** Two spaces, rate and ETA; nothing until there is a rate to tell. */
    static String rateAndEta(double bytesPerSecond, long remaining) {
        if (bytesPerSecond <= 0) {
            return "";
        }
        return "  " + Units.rate(bytesPerSecond) + "  ETA " + Units.eta(remaining / bytesPerSecond);
    }

    /** {@code [=====>    ]} with {@code width} cells inside the brackets. */
    static String bar(long done, long total, int width) {
        int filled = total == 0 ? width : (int) (width * Math.min(1.0, Math.max(0, done) / (double) total));
        String inside = filled == 0 ? " ".repeat(width)
                : filled == width ? "=".repeat(width)
                : "=".repeat(filled - 1) + ">" + " ".repeat(width - filled);
        return "[" + inside + "]";
    }
}
