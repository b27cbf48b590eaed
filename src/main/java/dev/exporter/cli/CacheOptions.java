package dev.exporter.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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

    /** The cache folder, or null with --no-cache. */
    Path folder() {
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
