package dev.exporter.cli;

import dev.exporter.archive.AtomicOutputFile;
import dev.exporter.export.ExportOptions;
import dev.exporter.export.ExportResult;
import dev.exporter.export.Exporter;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.registry.ResolvedImage;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What {@code exporter IMAGE...} and {@code exporter pull IMAGE...} share: pull images and write an archive.
 * Two concrete commands extend it because picocli forbids a command from being its own subcommand's superclass.
 */
abstract class AbstractPullCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "IMAGE", arity = "0..*",
            description = "Images to export, as docker names them: alpine, user/app:1, host:5000/a/b:tag, name@sha256:...")
    List<String> images = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Archive to write; '-' writes to standard output. Default: <repo>_<tag>.tar in the current folder.")
    String output;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Platform to pick from multi-platform images (default: the host's, ${DEFAULT-VALUE}).")
    String platform = Platform.host().toString();

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "4",
            description = "Concurrent blob downloads (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    @Mixin
    RegistryOptions registry;

    @Override
    public Integer call() throws Exception {
        if (images.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "missing IMAGE: name at least one image to export");
        }
        List<ImageReference> references = new ArrayList<>();
        for (String image : images) {
            try {
                references.add(ImageReference.parse(image));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        Platform wanted;
        try {
            wanted = Platform.parse(platform);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--platform: " + e.getMessage());
        }
        if (jobs < 1 || jobs > 64) {
            throw new ParameterException(spec.commandLine(), "--jobs must be between 1 and 64, got " + jobs);
        }
        boolean toStdout = "-".equals(output);
        Path target = toStdout ? null : Path.of(output != null ? output : defaultFileName(references.get(0)));
        if (toStdout && System.console() != null) {
            throw new ParameterException(spec.commandLine(), "refusing to write an archive to a terminal: redirect standard output or use -o FILE");
        }
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err, quiet);
        Path workParent = toStdout ? Path.of(System.getProperty("java.io.tmpdir"))
                : target.toAbsolutePath().getParent();
        Exporter exporter = new Exporter(registry.client(), new ExportOptions(wanted, jobs, workParent, progress));
        long start = System.nanoTime();
        List<ResolvedImage> resolved = exporter.resolve(references);
        resolved.forEach(progress::resolved);
        ExportResult result;
        if (toStdout) {
            OutputStream stdout = new FileOutputStream(FileDescriptor.out);
            result = exporter.writeDockerArchive(resolved, stdout);
            stdout.flush();
        } else {
            try (AtomicOutputFile file = new AtomicOutputFile(target)) {
                result = exporter.writeDockerArchive(resolved, file.stream());
                file.commit();
            } catch (IOException e) {
                throw new CommandFailure("write " + target + ": " + Cli.message(e), e);
            }
        }
        progress.done(toStdout ? "standard output" : target.toString(), result, System.nanoTime() - start);
        return ExitCodes.OK;
    }

    /** {@code alpine:3.14} becomes {@code alpine_3.14.tar}; a digest-only reference uses the digest's short form. */
    static String defaultFileName(ImageReference reference) {
        String repository = reference.repository();
        String name = repository.substring(repository.lastIndexOf('/') + 1);
        String version = reference.tag() != null ? reference.tag() : reference.digest().shortHex();
        return name + "_" + version + ".tar";
    }
}
