package dev.exporter.cli;

import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import dev.exporter.image.ResolvedImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;

/** {@code exporter config IMAGE}: the image config JSON exactly as served (its sha256 is the image id). */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the config JSON of an image exactly as the registry serves it; its sha256 is the image id.")
public final class ConfigCommand implements Callable<Integer> {

    @Mixin
    ImageArgument image;

    @Mixin
    PlatformOption platform = new PlatformOption(PlatformOption.Default.HOST);

    @Mixin
    RegistryOptions registry;

    @Mixin
    PullSourceOptions sources;

    @Override
    public Integer call() throws IOException {
        ImageReference reference = image.reference();
        Platform wanted = platform.platform();
        ResolvedImage resolved = sources.images(registry, reference).resolve(reference, wanted);
        OutputStream out = CommandArguments.rawStdout();
        out.write(resolved.config().raw());
        out.flush();
        return ExitCodes.OK;
    }
}
