package dev.exporter.cli;

import dev.exporter.reference.ImageReference;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The IMAGE argument as a picocli {@code @Mixin}: one image reference, parsed as docker names images. A name that
 * does not parse is a usage error (exit 2) quoting it. {@link Several} is the IMAGE... form of pull and export.
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

        List<ImageReference> references() {
            if (images.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "missing IMAGE: name at least one image to export");
            }
            List<ImageReference> references = new ArrayList<>();
            for (String image : images) {
                references.add(parse(spec, image));
            }
            return references;
        }
    }
}
