package dev.exporter.cli;

import dev.exporter.export.Exporter;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.Image;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException;
import dev.exporter.text.Printable;
import dev.exporter.transfer.AtomicOutputFile;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The options that make a pull a bundle for an air gap, as a {@code @Mixin}: {@code --dry-run} (the plan printed,
 * nothing written), {@code --digestfile} (a lock file that {@code -f} reads back) and {@code --no-referrers}.
 */
final class BundleOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--dry-run", description = "Resolve every image (manifests and configs only), print what would be"
            + " exported and its size, and write nothing.")
    boolean dryRun;

    @Option(names = "--digestfile", paramLabel = "FILE", description = "After a successful export, write one"
            + " REFERENCE@DIGEST line per image to FILE, which -f reads back to pull exactly the same images.")
    Path digestFile;

    @Option(names = "--no-referrers", description = "Leave out signatures, SBOMs and attestations (OCI referrers,"
            + " cosign tags) that oci and oci-dir keep by default.")
    boolean noReferrers;

    /**
     * The plan with its images' referrers, for a layout (unless {@code --no-referrers}); says how many were found and notes those left out. A
     * failure to find them fails the export (losing signatures silently is what this guards against), with a hint.
     */
    ExportPlan withReferrers(Exporter exporter, ExportPlan plan, boolean layout, ProgressRenderer progress) {
        if (noReferrers || !layout) {
            return plan;
        }
        List<String> skipped = new ArrayList<>();
        ExportPlan found;
        try {
            found = exporter.withReferrers(plan, skipped);
        } catch (RegistryException e) {
            throw new CommandFailure(e.getMessage() + " (--no-referrers exports without signatures and other referrers)", e);
        }
        skipped.forEach(note -> progress.note("exporter: note: left out a referrer: " + note));
        if (!found.referrers().isEmpty()) {
            progress.planned(ProgressLines.referrers(found.referrers().size(), found.referrerBlobs()), found.referrerBlobs());
        }
        return found;
    }

    /**
     * For a docker archive, which cannot carry referrers: probes, in the background while the layers download,
     * whether the images have any, and yields a note for each that has (none when probing fails: it is only a note).
     */
    CompletableFuture<List<String>> dockerNotes(Exporter exporter, ExportPlan plan, boolean docker) {
        if (noReferrers || !docker) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.supplyAsync(() -> {
            List<String> notes = new ArrayList<>();
            for (ResolvedImage image : plan.images()) {
                List<String> evidence = exporter.referrerEvidence(image);
                if (!evidence.isEmpty()) {
                    notes.add(image.reference() + " has signatures or other referrers (" + evidence.get(0)
                            + (evidence.size() > 1 ? " and " + (evidence.size() - 1) + " more" : "")
                            + ") that --format docker cannot carry; --format oci or oci-dir keeps them");
                }
            }
            return notes;
        }).exceptionally(e -> List.of());
    }

    /**
     * The dry run's answer on standard output: a line per image (reference, digest, platforms, layers, size) and the
     * total, each blob counted once.
     *
     * @param docker       whether the archive would be a docker one (only the primary image of each reference)
     * @param uncompressed the layers' uncompressed bytes, when known (docker archives hold them so)
     */
    void printDryRun(ExportPlan plan, boolean docker, OptionalLong uncompressed) {
        PrintWriter out = spec.commandLine().getOut();
        Set<String> seenLayers = new HashSet<>();
        long total = 0;
        Set<String> seenBlobs = new HashSet<>();
        for (ResolvedImage image : plan.images()) {
            List<Image> kept = docker ? List.of(image.primary()) : image.images();
            String platforms = kept.stream().map(i -> String.valueOf(i.config().platform())).distinct()
                    .collect(Collectors.joining(","));
            List<Descriptor> blobs = docker ? blobsOf(image.primary()) : image.blobs();
            long layers = kept.stream().mapToLong(i -> i.manifest().layers().size()).sum();
            long size = blobs.stream().mapToLong(Descriptor::size).sum();
            for (Descriptor blob : blobs) {
                if (seenBlobs.add(blob.digest().toString())) {
                    total += blob.size();
                }
            }
            kept.forEach(i -> i.manifest().layers().forEach(l -> seenLayers.add(l.digest().toString())));
            out.println(Printable.line(String.format(Locale.ROOT, "%s  %s  %s  %d %s  %s", image.reference(),
                    image.digest(), platforms, layers, layers == 1 ? "layer" : "layers", Units.size(size))));
        }
        String totalLine = String.format(Locale.ROOT, "Total: %d %s, %d layers, %s compressed (%d bytes)",
                plan.images().size(), plan.images().size() == 1 ? "image" : "images", seenLayers.size(),
                Units.size(total), total);
        if (docker) {
            totalLine += uncompressed.isPresent()
                    ? String.format(Locale.ROOT, ", %s uncompressed (%d bytes)", Units.size(uncompressed.getAsLong()),
                    uncompressed.getAsLong())
                    : ", uncompressed size unknown";
        }
        out.println(totalLine);
        out.flush();
    }

    private static List<Descriptor> blobsOf(Image image) {
        List<Descriptor> blobs = new ArrayList<>();
        blobs.add(image.manifest().config());
        blobs.addAll(image.manifest().layers());
        return blobs;
    }

    /**
     * Writes the digest file atomically: per image {@code REFERENCE@DIGEST}, the digest being what the reference
     * resolved to (the index's for a multi-platform tag), so that reading it with {@code -f} pins every image.
     */
    void writeDigestFile(List<ResolvedImage> images) {
        if (digestFile == null) {
            return;
        }
        StringBuilder text = new StringBuilder();
        for (ResolvedImage image : images) {
            ImageReference given = image.reference();
            text.append(new ImageReference(given.registry(), given.repository(), given.tag(), image.digest()))
                    .append('\n');
        }
        try (AtomicOutputFile file = new AtomicOutputFile(digestFile)) {
            file.stream().write(text.toString().getBytes(StandardCharsets.UTF_8));
            file.commit();
        } catch (IOException e) {
            throw new CommandFailure("write digest file " + digestFile + ": " + Cli.message(e), e);
        }
    }
}
