package dev.exporter.cli;

import dev.exporter.reference.Digest;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;

/**
 * What the registry-inspecting commands share besides the mixins: DIGEST parsing (bad input is a usage error
 * quoting it) and standard output for raw bytes.
 */
final class CommandArguments {

    private CommandArguments() {
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
