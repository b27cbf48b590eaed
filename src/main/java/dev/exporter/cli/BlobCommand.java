package dev.exporter.cli;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.BlobPuller;
import dev.exporter.remote.PullSources;
import dev.exporter.remote.BlobCopy;
import dev.exporter.transfer.AtomicOutputFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code exporter blob IMAGE DIGEST}: one blob, streamed and verified, to a file or standard output. */
@Command(name = "blob", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Download one blob (layer or config) by digest, verifying its size and digest as it streams.",
                "A tag or digest in IMAGE is ignored: blobs belong to the repository.",
                "With -o FILE the file appears only once the blob is complete and verified."})
public final class BlobCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Repository holding the blob, e.g. alpine, host:5000/a/b.")
    String image;

    @Parameters(index = "1", paramLabel = "DIGEST", description = "The blob's digest, e.g. sha256:4bc4...")
    String digestText;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "File to write; '-' (the default) writes to standard output.")
    String output = "-";

    @Mixin
    RegistryOptions registry;

    @Mixin
    PullSourceOptions sources;

    @Override
    public Integer call() throws IOException {
        ImageReference repository = ImageArgument.parse(spec, image);
        Digest digest = CommandArguments.digest(spec, digestText);
        boolean toStdout = "-".equals(output);
        if (toStdout && System.console() != null) {
            throw new ParameterException(spec.commandLine(), "refusing to write a blob to a terminal: redirect standard output or use -o FILE");
        }
        // A blob is content-addressed: its places are those of a pull by digest.
        ImageReference byDigest = repository.withDigest(digest);
        PullSources pulls = sources.pullSources(registry, List.of(byDigest));
        String action = BlobPuller.describe(repository, digest);
        if (toStdout) {
            OutputStream out = new BufferedOutputStream(CommandArguments.rawStdout(), 256 * 1024);
            download(pulls, byDigest, out, action);
            out.flush();
            return ExitCodes.OK;
        }
        Path target = Path.of(output);
        try (AtomicOutputFile file = new AtomicOutputFile(target)) {
            download(pulls, byDigest, file.stream(), action);
            file.commit();
        } catch (IOException e) {
            throw new CommandFailure("write " + target + ": " + Cli.message(e), e);
        }
        return ExitCodes.OK;
    }

    /** One copy for every place tried: a place that fails part-way is continued from there by the next one. */
    private static void download(PullSources pulls, ImageReference byDigest, OutputStream out, String action) {
        BlobCopy copy = new BlobCopy(byDigest.digest(), -1, out, action);
        pulls.first(byDigest, at -> new BlobPuller<>(at, at.digest(), copy));
    }
}
