package dev.exporter.mirrors;

import dev.exporter.reference.ImageReference;
import java.util.Objects;

/**
 * One place to pull an image from, or the one place to push it to.
 *
 * @param reference the physical reference: the registry and repository to talk to, with the tag and digest to ask for
 * @param insecure  plain HTTP and unverified TLS allowed for this place
 * @param mirror    whether this is a mirror (worth falling back from) rather than the primary location
 */
public record Source(ImageReference reference, boolean insecure, boolean mirror) {

    public Source {
        Objects.requireNonNull(reference, "reference");
    }

    /** The registry to talk to, {@code host[:port]} ({@code docker.io} means Docker Hub's API host). */
    public String registry() {
        return reference.registry();
    }

    /** The repository path on that registry. */
    public String repository() {
        return reference.repository();
    }

    @Override
    public String toString() {
        return reference + (mirror ? " (mirror" + (insecure ? ", insecure)" : ")") : insecure ? " (insecure)" : "");
    }
}
