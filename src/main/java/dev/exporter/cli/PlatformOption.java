package dev.exporter.cli;

import dev.exporter.reference.Platform;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --platform} as a picocli {@code @Mixin}: its declaration, its parsing and the one rule for when it is
 * not given - the host's platform - with the two ways commands legitimately bend that rule as {@link Default}
 * modes. The mixing command picks the mode by initializing its field: {@code @Mixin PlatformOption platform =
 * new PlatformOption(Default.INDEX)}.
 */
final class PlatformOption {

    /** What a command does without {@code --platform}. */
    enum Default {
        /** The host's platform, which the image must have (pull, export, config). */
        HOST,
        /** The host's platform if the index has it, else no image (inspect lists the index's platforms). */
        HOST_IF_PRESENT,
        /** No platform: the index itself (manifest). */
        INDEX
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Platform to pick from multi-platform images (default: the host's, linux/${os.arch}; "
                    + "inspect: the host's if the index has it, else it lists the platforms; manifest: none, it prints "
                    + "the index). pull and export with --format oci/oci-dir take it several times to keep a subset.")
    List<String> values = new ArrayList<>();

    private final Default mode;

    PlatformOption(Default mode) {
        this.mode = mode;
    }

    /** Every platform given, in order; without {@code --platform} the host's, except in {@link Default#INDEX} mode. */
    List<Platform> platforms() {
        List<Platform> wanted = new ArrayList<>();
        for (String value : values) {
            try {
                wanted.add(Platform.parse(value));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--platform: " + e.getMessage());
            }
        }
        if (wanted.isEmpty() && mode != Default.INDEX) {
            wanted.add(Platform.host());
        }
        return wanted;
    }

    /** The one platform for commands that take one; null without {@code --platform} in {@link Default#INDEX} mode. */
    Platform platform() {
        List<Platform> wanted = platforms();
        if (wanted.size() > 1) {
            throw new ParameterException(spec.commandLine(), "--platform: give one platform, got " + values.size());
        }
        return wanted.isEmpty() ? null : wanted.get(0);
    }

    /** Whether the image must have {@link #platform()}: it was asked for, or the mode says so. */
    boolean required() {
        return !values.isEmpty() || mode == Default.HOST;
    }
}
