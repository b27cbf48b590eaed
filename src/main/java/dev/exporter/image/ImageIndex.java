package dev.exporter.image;

import dev.exporter.reference.Digest;
import dev.exporter.reference.Platform;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** A multi-platform index (OCI image index or Docker manifest list). */
public record ImageIndex(String mediaType, List<Descriptor> manifests, byte[] raw, Digest digest)
        implements ManifestDocument {

    /** Image manifests with a real platform; attestation entries ({@code unknown/unknown}) are left out. */
    public List<Descriptor> platformManifests() {
        return manifests.stream()
                .filter(d -> d.platform() != null && !"unknown".equals(d.platform().os()))
                .toList();
    }

    /** The first entry matching {@code wanted}, preferring an exact variant match. */
    public Optional<Descriptor> select(Platform wanted) {
        List<Descriptor> candidates = platformManifests().stream().filter(d -> wanted.matches(d.platform())).toList();
        return candidates.stream()
                .filter(d -> Platform.normalize(d.platform().os(), d.platform().architecture(), d.platform().variant())
                        .equals(wanted))
                .findFirst()
                .or(() -> candidates.stream().findFirst());
    }

    /** The platforms on offer, for error messages: {@code linux/amd64, linux/arm64/v8}. */
    public String describePlatforms() {
        return platformManifests().stream().map(d -> d.platform().toString()).distinct()
                .collect(Collectors.joining(", "));
    }
}
