package dev.exporter.cli;

import dev.exporter.image.ImageIndex;
import dev.exporter.image.ManifestDocument;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.remote.RegistryImages;
import dev.exporter.registry.RawManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code exporter manifest IMAGE}: the manifest or index bytes exactly as served, or just their digest. */
@Command(name = "manifest", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the manifest or index of an image exactly as the registry serves it (no newline added), "
                + "so its sha256 is the image digest.")
public final class ManifestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ImageArgument image;

    @Mixin
    PlatformOption platform = new PlatformOption(PlatformOption.Default.INDEX);

    @Option(names = "--digest", description = "Print only the digest, followed by a newline.")
    boolean digestOnly;

    @Mixin
    RegistryOptions registry;

    @Mixin
    PullSourceOptions sources;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = image.reference();
        Platform wanted = platform.platform();
        RegistryImages images = sources.images(registry, reference);
        byte[] raw;
        Digest digest;
        if (wanted == null) {
            RawManifest manifest = images.rawManifest(reference);
            raw = manifest.raw();
            digest = manifest.digest();
        } else {
            ManifestDocument document = platformManifest(images, reference, wanted);
            raw = document.raw();
            digest = document.digest();
        }
        if (digestOnly) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(digest);
            out.flush();
        } else {
            OutputStream out = CommandArguments.rawStdout();
            out.write(raw);
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** The index's entry for {@code wanted}; a single-platform manifest is itself whatever its platform. */
    private static ManifestDocument platformManifest(RegistryImages resolver, ImageReference reference, Platform wanted) {
        ManifestDocument top = resolver.manifest(reference);
        if (!(top instanceof ImageIndex index)) {
            return top;
        }
        return resolver.platformManifest(reference, RegistryImages.choose(reference, index, wanted));
    }
}
