package dev.exporter.image;

import dev.exporter.reference.Digest;
import dev.exporter.reference.Platform;

import java.util.List;
import java.util.Map;

/**
 * An OCI content descriptor: what a manifest or index says about another blob.
 *
 * @param platform    only set for entries of an index
 * @param annotations never null
 * @param urls        foreign-layer download locations, never null
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform,
                         Map<String, String> annotations, List<String> urls) {

    public Descriptor {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + digest);
        }
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, Map.of(), List.of());
    }
}
