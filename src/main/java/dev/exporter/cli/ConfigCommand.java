package dev.exporter.cli;

import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.remote.RegistryImages;
import dev.exporter.image.ResolvedImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;

/** {@code exporter config IMAGE}: the image config JSON exactly as served (its sha256 is the image id). */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the config JSON of an image exactly as the registry serves it; its sha256 is the image id.")
public final class ConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "IMAGE", description = "Image, e.g. alpine:3.19, host:5000/a/b:tag, name@sha256:...")
    String image;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Platform to pick from multi-platform images (default: the host's, ${DEFAULT-VALUE}).")
    String platform = Platform.host().toString();

    @Mixin
    RegistryOptions registry;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = CommandArguments.reference(spec, image);
        Platform wanted = CommandArguments.platform(spec, platform);
        ResolvedImage resolved = new RegistryImages(registry.client()).resolve(reference, wanted);
        OutputStream out = CommandArguments.rawStdout();
        out.write(resolved.config().raw());
        out.flush();
        return ExitCodes.OK;
    }
}
