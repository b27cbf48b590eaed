package dev.exporter.reference;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An image reference normalized exactly as docker does: {@code alpine} is {@code docker.io/library/alpine:latest},
 * {@code host:5000/a/b:tag} keeps its registry, {@code name:tag@sha256:...} pulls by digest and keeps the tag for naming.
 *
 * @param registry   the registry name as users write it ({@code docker.io}, {@code host:5000}, {@code [::1]:5000})
 * @param repository the repository path ({@code library/alpine})
 * @param tag        the tag, or {@code null} when only a digest was given
 * @param digest     the pinned digest, or {@code null}
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

    public static final String DOCKER_HUB = Registry.DOCKER_HUB;

    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

    public ImageReference {
        if (tag == null && digest == null) {
            throw new IllegalArgumentException("image reference needs a tag or a digest");
        }
    }

    /**
     * Parses a reference as typed by a user; throws {@link IllegalArgumentException} quoting the input when it is
     * not a valid docker reference.
     */
    public static ImageReference parse(String input) {
        if (input == null || input.isBlank()) {
            throw new IllegalArgumentException("invalid reference '': empty image name");
        }
        String rest = input;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (IllegalArgumentException e) {
                throw invalid(input, e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(input, "invalid tag '" + tag + "'");
            }
        }
        String registry;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (slash < 0 || (!first.contains(".") && !first.contains(":") && !first.equals("localhost")
                && first.toLowerCase(Locale.ROOT).equals(first))) {
            registry = DOCKER_HUB;
            path = rest;
        } else {
            registry = first;
            path = rest.substring(slash + 1);
            try {
                Registry.parse(registry); // host[:port], the port in range
            } catch (IllegalArgumentException e) {
                throw invalid(input, e.getMessage());
            }
        }
        if (registry.equals("index.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (path.isEmpty()) {
            throw invalid(input, "missing repository name");
        }
        for (String component : path.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                String why = component.toLowerCase(Locale.ROOT).equals(component)
                        ? "invalid repository name component '" + component + "'"
                        : "repository name must be lowercase";
                throw invalid(input, why);
            }
        }
        if (registry.length() + 1 + path.length() > 255) {
            throw invalid(input, "repository name longer than 255 characters");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(registry, path, tag, digest);
    }

    private static IllegalArgumentException invalid(String input, String why) {
        return new IllegalArgumentException("invalid reference '" + input + "': " + why);
    }

    /** The registry this reference names, with the host its API answers on. */
    public Registry registryValue() {
        return Registry.parse(registry);
    }

    /** The host[:port] to talk HTTP to: Docker Hub's API lives on {@code registry-1.docker.io}. */
    public String apiHost() {
        return registryValue().apiHost();
    }

    /** The tag or digest to put in a manifest URL; the digest wins when both are given. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** The same repository with another digest (and no tag), e.g. a platform's manifest under an index. */
    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(registry, repository, null, newDigest);
    }

    /** Docker's short form of the name: {@code alpine}, {@code user/app}, {@code host:5000/x}. */
    public String familiarName() {
        if (registry.equals(DOCKER_HUB)) {
            return repository.startsWith("library/") && repository.indexOf('/', 8) < 0
                    ? repository.substring("library/".length()) : repository;
        }
        return registry + "/" + repository;
    }

    /** {@code registry/repository}, e.g. {@code docker.io/library/alpine}. */
    public String fullName() {
        return registry + "/" + repository;
    }

    /** Whether the registry is on a loopback name/address, which docker treats as insecure by default. */
    public boolean isLoopbackRegistry() {
        return registryValue().loopback();
    }

    @Override
    public String toString() {
        return fullName() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    // equals and hashCode are spelled out because references key maps from the first manifest on (see Digest).

    @Override
    public boolean equals(Object other) {
        return other instanceof ImageReference r && Objects.equals(registry, r.registry) && Objects.equals(repository, r.repository)
                && Objects.equals(tag, r.tag) && Objects.equals(digest, r.digest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(registry, repository, tag, digest);
    }
}
