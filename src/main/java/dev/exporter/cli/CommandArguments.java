package dev.exporter.cli;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.reference.Platform;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;

/** Argument parsing the registry-inspecting commands share: bad input is a usage error (exit 2) quoting it. */
final class CommandArguments {

    private CommandArguments() {
    }

    static ImageReference reference(CommandSpec spec, String text) {
        try {
            return ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The platform asked for, or null when {@code text} is null. */
    static Platform platform(CommandSpec spec, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Platform.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--platform: " + e.getMessage());
        }
    }

    static Digest digest(CommandSpec spec, String text) {
        try {
            return Digest.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "DIGEST: " + e.getMessage());
        }
    }

    /** Standard output for bytes that must pass unchanged; the caller flushes it and never closes it. */
    static OutputStream rawStdout() {
        return new FileOutputStream(FileDescriptor.out);
    }
}
