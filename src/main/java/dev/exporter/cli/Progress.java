package dev.exporter.cli;

import dev.exporter.export.ExportResult;
import dev.exporter.image.Descriptor;
import dev.exporter.registry.ResolvedImage;
import dev.exporter.transfer.ProgressListener;

import java.io.PrintWriter;
import java.util.Locale;

/** Human-readable progress on standard error; silent with --quiet. */
final class Progress implements ProgressListener {

    private final PrintWriter err;
    private final boolean quiet;

    Progress(PrintWriter err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    void resolved(ResolvedImage image) {
        if (!quiet) {
            err.printf("%s: %s (%s, %d layers, %s)%n", image.reference(), image.digest(),
                    image.config().platform(), image.manifest().layers().size(), size(image.manifest().totalSize()));
            err.flush();
        }
    }

    @Override
    public synchronized void finished(Descriptor blob) {
        if (!quiet) {
            err.printf("  %s: done (%s)%n", blob.digest().shortHex(), size(blob.size()));
            err.flush();
        }
    }

    void done(String where, ExportResult result, long nanos) {
        if (!quiet) {
            double seconds = nanos / 1e9;
            err.printf(Locale.ROOT, "Wrote %s: %d image%s, %s in %.1f s%n", where, result.images().size(),
                    result.images().size() == 1 ? "" : "s", size(result.contentBytes()), seconds);
            err.flush();
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
