package dev.exporter.mirrors;

import dev.exporter.reference.ImageReference;
import java.nio.file.Path;

/** The image's name matches a {@code [[registry]]} with {@code blocked = true}; nothing may be pulled or pushed. */
public final class BlockedException extends RegistriesConfException {

    private final ImageReference reference;
    private final Path file;

    BlockedException(ImageReference reference, Registry registry) {
        super(reference + " is blocked by " + registry.origin() + " (prefix \"" + registry.prefix() + "\")");
        this.reference = reference;
        this.file = registry.origin();
    }

    /** The reference that was refused (the physical one when a rewrite or mirror led to a blocked name). */
    public ImageReference reference() {
        return reference;
    }

    /** The file whose {@code [[registry]]} blocks it. */
    public Path file() {
        return file;
    }
}
