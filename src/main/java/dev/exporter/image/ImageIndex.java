package dev.exporter.image;

import dev.exporter.reference.Digest;
import dev.exporter.reference.Platform;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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

    /**
     * The entry for {@code wanted}: the one rule for picking a platform from an index, used by every command. Its
     * absence is an error that lists the platforms the index has.
     *
     * @param action what is being done to what, for the message: {@code pull manifest docker.io/library/alpine:3.14}
     */
    public Descriptor choose(Platform wanted, String action) {
        return select(wanted).orElseThrow(() -> new ManifestException(action + ": no image for platform " + wanted
                + " (available: " + (platformManifests().isEmpty() ? "none" : describePlatforms()) + ")"));
    }

    /** This index with only the {@code chosen} entries, each kept verbatim, so a layout holds every blob it names. */
    public ImageIndex subset(List<Descriptor> chosen) {
        ObjectNode original = (ObjectNode) Json.parse(raw, "index " + digest);
        ObjectNode subset = original.deepCopy();
        ArrayNode entries = subset.putArray("manifests");
        Set<String> keep = new HashSet<>();
        chosen.forEach(d -> keep.add(d.digest().toString()));
        original.path("manifests").forEach(entry -> {
            if (keep.contains(entry.path("digest").asText())) {
                entries.add(entry);
            }
        });
        return (ImageIndex) ManifestDocument.parse(Json.write(subset), mediaType, "subset of index " + digest);
    }
}
