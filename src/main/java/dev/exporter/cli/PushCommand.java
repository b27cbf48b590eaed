package dev.exporter.cli;

import dev.exporter.archives.ArchiveSources;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageSource;
import dev.exporter.mirrors.RegistriesConf;
import dev.exporter.mirrors.Source;
import dev.exporter.push.PushJob;
import dev.exporter.push.PushResult;
import dev.exporter.reference.ImageReference;
import dev.exporter.push.Pusher;
import dev.exporter.push.Targets;
import dev.exporter.text.Printable;
import dev.exporter.transfer.TempPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code exporter push SOURCE [TARGET]}: the far side of the air gap, an archive or layout into a registry. */
@Command(name = "push", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Push the images of an archive or OCI layout into a registry: our docker, oci and oci-dir "
                + "outputs, docker save (20.10 and 25+), podman save, skopeo docker-archive/oci-archive/oci; plain, "
                + "gzip or zstd.",
                "OCI sources keep every digest. Docker archives hold uncompressed layers: they are gzip-compressed "
                        + "on the way and get a new manifest with the original config, so the image id stays.",
                "Blobs the registry has are not sent again; blobs this run pushed to another repository of the same "
                        + "registry are mounted. Tags are pushed last, so a failed push tags nothing.",
                "Exit codes: 0 success, 1 failure (network, registry, authentication, damaged source), 2 usage error."})
public final class PushCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "Archive (.tar, .tar.gz, .tar.zst) or OCI layout folder.")
    Path source;

    @Parameters(index = "1", paramLabel = "TARGET", arity = "0..1",
            description = "Where the single image of SOURCE goes, e.g. registry.corp:5000/team/app:1.0. Without it (and "
                    + "without --to) every image goes back to the name it was saved under.")
    String target;

    @Option(names = "--to", paramLabel = "REGISTRY[/PREFIX]",
            description = "Re-home every image, keeping its path and tag: docker.io/library/alpine:3.14 with --to "
                    + "registry.corp:5000/mirror becomes registry.corp:5000/mirror/library/alpine:3.14.")
    String to;

    @Option(names = "--image", paramLabel = "NAME",
            description = "Push only the image saved under NAME (repeatable), e.g. alpine:3.14.")
    List<String> picked = new ArrayList<>();

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "4",
            description = "Concurrent blob uploads (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    @Mixin
    CacheOptions cache;

    @Mixin
    RegistryOptions registry;

    @Override
    public Integer call() throws IOException {
        Cli.jobs(spec, jobs);
        Path cacheFolder = cache.folder();
        Path tmp = RegistryOptions.tempFolder();
        Path work = TempPaths.createDirectory(tmp, ".exporter-push-");
        try (ImageSource images = open(work)) {
            return push(images, tmp, cacheFolder);
        } finally {
            TempPaths.delete(work);
        }
    }

    private int push(ImageSource images, Path tmp, Path cacheFolder) throws IOException {
        String what = source.toString();
        List<PushJob> jobList;
        try {
            jobList = Targets.jobs(images.images(), target, to, picked, what);
        } catch (Targets.Usage e) {
            throw new ParameterException(spec.commandLine(), Printable.line(e.getMessage()));
        }
        Set<String> insecure = new HashSet<>();
        jobList = rewritten(jobList, registry.registriesConf(), insecure);
        if (registry.credentialsGiven()) {
            oneRegistry(jobList, what);
        }
        TransferCounter counter = new TransferCounter(System::nanoTime, TransferCounter.Words.PUSH);
        ProgressRenderer progress = ProgressRenderer.attach(spec.commandLine(), quiet, counter);
        PushListenerBridge listener = new PushListenerBridge(counter, progress);
        if (target == null) {
            Targets.unusableNames(jobList, what).forEach(listener::warning);
        }
        Pusher pusher = new Pusher(registry.client(insecure), jobs, Runtime.getRuntime().availableProcessors(), tmp,
                cacheFolder, listener);
        long start = System.nanoTime();
        List<Pusher.Planned> plan;
        try {
            plan = pusher.plan(images, jobList);
        } catch (IOException e) {
            throw new CommandFailure("push " + what + ": " + Cli.message(e), e);
        }
        for (Pusher.Planned p : plan) {
            progress.planned("Pushing " + p.job().targets().get(0) + (p.job().targets().size() > 1 ? " (+"
                    + (p.job().targets().size() - 1) + " more tags)" : "") + " from " + what, p.blobsAsSent());
        }
        List<PushResult> results;
        try {
            results = pusher.push(images, plan);
        } catch (IOException e) {
            throw new CommandFailure("push " + what + ": " + Cli.message(e), e);
        }
        long nanos = System.nanoTime() - start;
        List<String> summary = new ArrayList<>();
        for (PushResult result : results) {
            summary.add(String.format(Locale.ROOT, "Pushed %s: %s (%d blobs, %s%s)", result.target(), result.digest(),
                    result.blobs(), Units.size(result.bytes()), result.kept() ? "" : ", new manifest digest"));
        }
        summary.add(String.format(Locale.ROOT, "Pushed %d %s from %s in %s", results.size(),
                results.size() == 1 ? "tag" : "tags", what, Units.duration(nanos)));
        progress.done(summary);
        return ExitCodes.OK;
    }

    /**
     * Every target as registries.conf has it: {@code location} rewrites apply and {@code blocked} names fail (one
     * line, exit 1), mirrors never (they are for pulls); hosts marked {@code insecure} there go into {@code insecure}.
     */
    private static List<PushJob> rewritten(List<PushJob> jobs, RegistriesConf conf, Set<String> insecure) {
        List<PushJob> rewritten = new ArrayList<>();
        for (PushJob job : jobs) {
            List<ImageReference> targets = new ArrayList<>();
            for (ImageReference target : job.targets()) {
                Source place = conf.pushTarget(target);
                if (place.insecure()) {
                    insecure.add(place.reference().apiHost());
                }
                targets.add(place.reference());
            }
            rewritten.add(new PushJob(job.image(), targets));
        }
        return rewritten;
    }

    /**
     * Credentials given with {@code -u} (or EXPORTER_USERNAME) are for one registry: a source whose images go to
     * several (by the names it was saved under) would otherwise hand the password to each, whoever made the archive.
     */
    private void oneRegistry(List<PushJob> jobs, String what) {
        Set<String> registries = new TreeSet<>();
        for (PushJob job : jobs) {
            job.targets().forEach(target -> registries.add(target.registry()));
        }
        if (registries.size() > 1) {
            List<String> named = registries.stream().limit(5).toList();
            throw new ParameterException(spec.commandLine(), Printable.line("--username gives credentials for one "
                    + "registry, but the images of " + what + " go to " + registries.size() + " ("
                    + String.join(", ", named) + (registries.size() > named.size() ? ", ..." : "")
                    + "): name one with TARGET or --to, or log in to each with 'exporter login' instead"));
        }
    }

    private ImageSource open(Path work) throws IOException {
        try {
            return ArchiveSources.open(source, work);
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure("push " + source + ": " + Cli.message(e), e);
        }
    }

    /** Progress events go to the counter; warnings above the progress. */
    private record PushListenerBridge(TransferCounter counter, ProgressRenderer progress)
            implements dev.exporter.push.PushListener {

        @Override
        public void started(Descriptor blob, boolean cached) {
            counter.started(blob, cached);
        }

        @Override
        public void transferred(Descriptor blob, long bytes) {
            counter.transferred(blob, bytes);
        }

        @Override
        public void finished(Descriptor blob) {
            counter.finished(blob);
        }

        @Override
        public void skipped(Descriptor blob, String why) {
            counter.skipped(blob, why);
        }

        @Override
        public void warning(String message) {
            progress.note("warning: " + message);
        }
    }
}
