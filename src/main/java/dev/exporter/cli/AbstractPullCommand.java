package dev.exporter.cli;

import dev.exporter.docker.DockerArchiveSink;
import dev.exporter.export.ExportOptions;
import dev.exporter.export.ExportResult;
import dev.exporter.export.Exporter;
import dev.exporter.image.ExportPlan;
import dev.exporter.layout.OciArchiveSink;
import dev.exporter.layout.OciDirectorySink;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.transfer.ArchiveOutput;
import dev.exporter.transfer.Caveat;
import dev.exporter.tar.Compression;
import dev.exporter.transfer.OutputFile;
import dev.exporter.transfer.TempPaths;
import dev.exporter.transfer.ImageSink;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * What {@code exporter IMAGE...} and {@code exporter pull IMAGE...} share: pull images and write an archive.
 * Two concrete commands extend it because picocli forbids a command from being its own subcommand's superclass.
 */
abstract class AbstractPullCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ImageArgument.Several images;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Archive to write ('-': standard output), or the folder for --format oci-dir."
                    + " Default: <repo>_<tag>.tar (oci-dir: <repo>_<tag>) in the current folder.")
    String output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "docker", converter = FormatConverter.class,
            description = "docker (classic docker save archive, default), oci (OCI image layout tar that docker load"
                    + " also reads), oci-dir (the same layout as a folder; exports add to it).")
    OutputFormat format;

    @Mixin
    PlatformOption platform = new PlatformOption(PlatformOption.Default.HOST);

    @Option(names = "--all-platforms", description = "Keep a multi-platform tag's whole index and every platform (oci and oci-dir only).")
    boolean allPlatforms;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "4",
            description = "Concurrent blob downloads (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    @Mixin
    CacheOptions cache;

    @Mixin
    RegistryOptions registry;

    @Mixin
    PullSourceOptions sources;

    @Mixin
    BundleOptions bundle;

    static final class FormatConverter implements picocli.CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            try {
                return OutputFormat.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("expected docker, oci or oci-dir but got '" + value + "'");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (images.readsStdin() && registry.passwordStdin) {
            throw usage("--images-file - and --password-stdin both read standard input; list the images in a file");
        }
        List<ImageReference> references = images.references();
        List<Platform> wanted = platforms();
        Cli.jobs(spec, jobs);
        boolean toStdout = "-".equals(output);
        if (format == OutputFormat.oci_dir && toStdout) {
            throw usage("--format oci-dir writes a folder; use --format oci to write a tar to standard output");
        }
        Path target = toStdout ? null : Path.of(output != null ? output : defaultName(references.get(0), format));
        if (toStdout && System.console() != null) {
            throw usage("refusing to write an archive to a terminal: redirect standard output or use -o FILE");
        }
        if (target != null && format != OutputFormat.oci_dir) {
            try {
                OutputFile.refuseFolder(target);
            } catch (IOException e) {
                throw new CommandFailure("write " + target + ": " + Cli.message(e), e);
            }
        }
        TransferCounter counter = new TransferCounter(System::nanoTime);
        ProgressRenderer progress = ProgressRenderer.attach(spec.commandLine(), quiet, counter);
        // Temporary files go beside the output (renames stay atomic), or to the temporary folder for a stream or a
        // device: never into /dev.
        Path workParent = toStdout || OutputFile.isPassThrough(target) ? RegistryOptions.tempFolder()
                : target.toAbsolutePath().getParent();
        // A dry run writes nothing, not even configs into the cache or the layout being added to.
        // What the sink (or the docker dry run's sizes) will want once the manifests are known goes out beside the
        // configs' requests.
        ExportOptions.Ahead ahead = bundle.dryRun
                ? new ExportOptions.Ahead(false, format == OutputFormat.docker ? 0 : -1)
                : new ExportOptions.Ahead(format != OutputFormat.docker && !bundle.noReferrers,
                        format == OutputFormat.docker && target != null && OutputFile.writesInPlace(target)
                                ? DockerArchiveSink.readsTrailersAbove() : -1);
        Exporter exporter = new Exporter(sources.pullSources(registry, references), new ExportOptions(wanted,
                allPlatforms, jobs, workParent, bundle.dryRun ? null : cache.folder(), counter, ahead));
        long start = System.nanoTime();
        // A layout folder this run starts (planning already stores configs in it) is removed again unless the run
        // completes it: by the end of a failed run and by the shutdown hook (TempPaths). One that existed keeps
        // what it had and the verified blobs it gained.
        boolean newLayout = format == OutputFormat.oci_dir && !bundle.dryRun && !Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (newLayout) {
            TempPaths.register(target);
        }
        ExportPlan resolved = exporter.plan(references, format == OutputFormat.oci_dir && !bundle.dryRun
                ? List.of(OciDirectorySink.blobs(target)) : List.of());
        if (bundle.dryRun) {
            bundle.printDryRun(resolved, format == OutputFormat.docker, format == OutputFormat.docker
                    ? exporter.uncompressedLayerBytes(resolved) : java.util.OptionalLong.empty());
            return ExitCodes.OK;
        }
        ExportPlan plan = bundle.withReferrers(exporter, resolved, format != OutputFormat.docker, progress);
        CompletableFuture<List<String>> notes = bundle.dockerNotes(exporter, resolved, format == OutputFormat.docker);
        ExportResult result;
        if (format == OutputFormat.oci_dir) {
            ImageSink sink = new OciDirectorySink(target);
            announce(plan, sink, progress);
            try {
                result = exporter.export(plan, sink);
            } catch (IOException e) {
                throw new CommandFailure("write OCI layout " + target + ": " + Cli.message(e), e);
            }
            if (newLayout) {
                TempPaths.release(target);
            }
        } else {
            result = write(target, out -> {
                ImageSink sink = format == OutputFormat.docker ? new DockerArchiveSink(out) : new OciArchiveSink(out);
                announce(plan, sink, progress);
                return exporter.export(plan, sink);
            });
        }
        bundle.writeDigestFile(result.images());
        notes.join().forEach(note -> progress.note("exporter: note: " + note));
        progress.done(toStdout ? "standard output" : target.toString(), result, System.nanoTime() - start);
        return ExitCodes.OK;
    }

    /** Tells what was resolved and what the sink will fetch for it, and warns of what the output cannot do. */
    private static void announce(ExportPlan plan, ImageSink sink, ProgressRenderer progress) {
        plan.images().forEach(image -> progress.resolved(image, sink.fetches(image)));
        List<String> zstd = plan.images().stream().filter(image -> sink.caveats(image).contains(Caveat.ZSTD_LAYERS))
                .map(image -> image.reference().toString()).toList();
        if (!zstd.isEmpty()) {
            progress.note("warning: " + String.join(", ", zstd) + (zstd.size() == 1 ? " has" : " have")
                    + " zstd-compressed layers, which docker before 23 cannot load; --format docker decompresses them");
        }
    }

    private interface ArchiveWrite {
        ExportResult to(ArchiveOutput out) throws IOException;
    }

    /** Writes to standard output ({@code target == null}), atomically to a file, or through to a device or FIFO. */
    private static ExportResult write(Path target, ArchiveWrite write) throws IOException {
        if (target == null) {
            return write.to(ArchiveOutput.stream(new FileOutputStream(FileDescriptor.out).getChannel()));
        }
        try (OutputFile file = OutputFile.open(target, Compression.forName(target.getFileName().toString()))) {
            ExportResult result = write.to(file.output());
            file.commit();
            return result;
        } catch (IOException e) {
            throw new CommandFailure("write " + target + ": " + Cli.message(e), e);
        }
    }

    private List<Platform> platforms() {
        List<Platform> wanted = platform.platforms();
        if (format == OutputFormat.docker && allPlatforms) {
            throw usage("--all-platforms needs --format oci or oci-dir: a docker archive holds one platform per image");
        }
        if (format == OutputFormat.docker && wanted.size() > 1) {
            throw usage("several --platform values need --format oci or oci-dir: a docker archive holds one platform per image");
        }
        return wanted;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** {@code alpine:3.14} becomes {@code alpine_3.14.tar}; a digest-only reference uses the digest's short form. */
    static String defaultName(ImageReference reference, OutputFormat format) {
        String repository = reference.repository();
        String name = repository.substring(repository.lastIndexOf('/') + 1);
        String version = reference.tag() != null ? reference.tag() : reference.digest().shortHex();
        return name + "_" + version + (format == OutputFormat.oci_dir ? "" : ".tar");
    }
}
