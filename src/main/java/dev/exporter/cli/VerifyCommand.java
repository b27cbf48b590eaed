package dev.exporter.cli;

import dev.exporter.archives.ArchiveSources;
import dev.exporter.image.ImageSource;
import dev.exporter.text.Printable;
import dev.exporter.transfer.TempPaths;
import dev.exporter.verify.ArchiveCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code exporter verify PATH}: is an archive or layout intact? Reads everything, writes nothing. */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Check an archive or OCI layout (any format this tool writes, docker save, podman save, skopeo; "
                + "plain, gzip or zstd): every index, manifest, config and layer against its digest and size, and "
                + "every layer's uncompressed content against the config's diff_ids.",
                "Prints one line per image. Exit codes: 0 all intact, 1 something is damaged or missing (named by "
                        + "digest or layer path), 2 usage error."})
public final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", description = "Archive (.tar, .tar.gz, .tar.zst) or OCI layout folder.")
    Path path;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "4",
            description = "Blobs checked at once (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Override
    public Integer call() throws IOException {
        Cli.jobs(spec, jobs);
        PrintWriter out = spec.commandLine().getOut();
        Path work = TempPaths.createDirectory(RegistryOptions.tempFolder(), ".exporter-verify-");
        List<ArchiveCheck.ImageResult> results;
        try (ImageSource source = open(work)) {
            results = new ArchiveCheck(source, jobs).run();
        } finally {
            TempPaths.delete(work);
        }
        boolean ok = true;
        for (ArchiveCheck.ImageResult result : results) {
            String name = result.image().names().isEmpty() ? "(no name)"
                    : Printable.line(String.join(", ", result.image().names()));
            String digest = result.image().root().digest().toString();
            if (result.ok()) {
                out.printf("OK       %s  %s  (%d blobs, %s)%n", name, digest, result.blobs(), Units.size(result.bytes()));
            } else {
                ok = false;
                for (String problem : result.problems()) {
                    out.printf("DAMAGED  %s  %s: %s%n", name, digest, Printable.line(problem));
                }
            }
        }
        if (results.isEmpty()) {
            out.println("no images in " + path);
        }
        out.flush();
        if (!ok) {
            throw new CommandFailure("verify " + path + ": damaged (see above)", null);
        }
        return ExitCodes.OK;
    }

    private ImageSource open(Path work) throws IOException {
        try {
            return ArchiveSources.open(path, work);
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure("verify " + path + ": " + Cli.message(e), e);
        }
    }
}
