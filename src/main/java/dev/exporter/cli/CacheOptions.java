package dev.exporter.cli;

import dev.exporter.text.Printable;
import dev.exporter.transfer.FileErrors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --cache} and {@code --no-cache}, for the commands that keep something between runs. */
final class CacheOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Cache shared between runs (default: $XDG_CACHE_HOME/exporter or ~/.cache/exporter).")
    Path cache;

    @Option(names = "--no-cache", description = "Keep nothing between runs (work in a temporary folder).")
    boolean noCache;

    /**
     * The cache folder, or null with --no-cache. The default one is only an optimisation: where it cannot be made or
     * written (a read-only home, as in a container started with --read-only), the run goes on without a cache,
     * saying so in one line. A folder named with --cache was asked for: a problem with it fails the run.
     */
    Path folder() {
        Path folder = named();
        if (folder == null || cache != null) {
            return folder;
        }
        try {
            Files.createDirectories(folder);
            if (Files.isWritable(folder)) {
                return folder;
            }
            warn(folder, "not writable");
        } catch (IOException | RuntimeException e) {
            warn(folder, e instanceof IOException io ? FileErrors.describe(io) : String.valueOf(e.getMessage()));
        }
        return null;
    }

    private void warn(Path folder, String why) {
        spec.commandLine().getErr().println(Printable.line("exporter: warning: no cache this run: " + folder + ": "
                + why + " (name one with --cache DIR)"));
        spec.commandLine().getErr().flush();
    }

    private Path named() {
        if (noCache) {
            if (cache != null) {
                throw new ParameterException(spec.commandLine(), "--cache and --no-cache exclude each other");
            }
            return null;
        }
        if (cache != null) {
            return cache;
        }
        String xdg = RegistryOptions.environment.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("exporter");
    }
}
