package dev.exporter.cli;

import dev.exporter.reference.ImageReference;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The IMAGE argument as a picocli {@code @Mixin}: one image reference, parsed as docker names images. A name that
 * does not parse is a usage error (exit 2) quoting it. {@link Several} is the IMAGE... form of pull and export,
 * with {@code -f, --images-file} for lists of images.
 */
final class ImageArgument {

    static final String EXAMPLES = "alpine:3.19, host:5000/a/b:tag, name@sha256:...";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image, e.g. " + EXAMPLES)
    String image;

    ImageReference reference() {
        return parse(spec, image);
    }

    /** {@code text} as a reference; commands whose argument is named otherwise (REPO) parse it here too. */
    static ImageReference parse(CommandSpec spec, String text) {
        try {
            return ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** IMAGE... : at least one, checked at run time so that a bare {@code exporter} says what is missing. */
    static final class Several {

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        @Parameters(paramLabel = "IMAGE", arity = "0..*",
                description = "Images to export, as docker names them: alpine, user/app:1, host:5000/a/b:tag, name@sha256:...")
        List<String> images = new ArrayList<>();

        @Option(names = {"-f", "--images-file"}, paramLabel = "FILE",
                description = "Also export the images listed in FILE ('-': standard input), one reference per line;"
                        + " blank lines and # comments are skipped.")
        String imagesFile;

        /** Whether the list is read from standard input (which then cannot also hold a password). */
        boolean readsStdin() {
            return "-".equals(imagesFile);
        }

        /** The IMAGE arguments, then the list's images; a bad line is a usage error naming the file and line. */
        List<ImageReference> references() {
            List<ImageReference> references = new ArrayList<>();
            for (String image : images) {
                references.add(parse(spec, image));
            }
            if (imagesFile != null) {
                references.addAll(listed());
            }
            if (references.isEmpty()) {
                throw new ParameterException(spec.commandLine(), imagesFile == null
                        ? "missing IMAGE: name at least one image to export"
                        : "missing IMAGE: no image named on the command line or in " + (readsStdin() ? "standard input" : imagesFile));
            }
            return references;
        }

        private List<ImageReference> listed() {
            try (InputStream in = readsStdin() ? RegistryOptions.stdin : Files.newInputStream(Path.of(imagesFile))) {
                return ImagesFile.read(in, imagesFile);
            } catch (ImagesFile.BadList e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "--images-file " + imagesFile + ": "
                        + dev.exporter.transfer.FileErrors.reason(e));
            }
        }
    }
}
