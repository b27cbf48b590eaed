package dev.exporter.layout;

import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;

import java.util.List;

/**
 * One image reference as an OCI image layout records it.
 *
 * @param root         what {@code index.json} points at: the registry's index, a platform subset of it, or a manifest
 * @param fullName     {@code io.containerd.image.name}, e.g. {@code docker.io/library/alpine:3.14}
 * @param refName      {@code org.opencontainers.image.ref.name}, unique in the layout (see {@link LayoutContent#refName}),
 *                     or null when the reference does not fit the annotation's grammar
 * @param config       the config of the image {@code manifest.json} offers to {@code docker load}
 * @param layers       that image's layer blobs, in order
 * @param repoTags     docker's familiar {@code name:tag} names for it
 */
public record OciLayoutImage(Descriptor root, String fullName, String refName, Digest config, List<Digest> layers,
                             List<String> repoTags) {

    public OciLayoutImage {
        layers = List.copyOf(layers);
        repoTags = List.copyOf(repoTags);
    }
}
