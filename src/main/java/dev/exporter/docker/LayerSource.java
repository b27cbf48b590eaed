package dev.exporter.docker;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The first layer (image and position) that provides a diff id's {@code layer.tar}. */
record LayerSource(ResolvedImage image, int index) {

    Descriptor blob() {
        return image.manifest().layers().get(index);
    }

    Digest diffId() {
        return image.config().diffIds().get(index);
    }

    /** Every diff id of {@code images} with the first layer that provides it, in archive order. */
    static Map<Digest, LayerSource> of(List<ResolvedImage> images) {
        Map<Digest, LayerSource> sources = new LinkedHashMap<>();
        for (ResolvedImage image : images) {
            for (int i = 0; i < image.config().diffIds().size(); i++) {
                sources.putIfAbsent(image.config().diffIds().get(i), new LayerSource(image, i));
            }
        }
        return sources;
    }
}
