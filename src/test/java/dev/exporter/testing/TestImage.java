package dev.exporter.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A single-platform image built by {@link ImageBuilder}. Arrays are shared: do not modify them.
 *
 * @param layers layers in manifest order; the same layer may occur more than once
 */
public record TestImage(ImageFormat format, Platform platform, byte[] configBytes, List<Layer> layers,
                        byte[] manifestBytes) implements TestArtifact {

    public TestImage {
        layers = List.copyOf(layers);
    }

    @Override
    public String mediaType() {
        return format.manifestMediaType();
    }

    /** {@code sha256:...} of the config; also the image ID docker shows after loading it. */
    public String configDigest() {
        return Digests.sha256(configBytes);
    }

    /** The config parsed as JSON. */
    public JsonNode config() {
        return ImageBuilder.readJson(configBytes);
    }

    /** The rootfs diff_ids (uncompressed layer digests), as {@code docker image inspect} lists them. */
    public List<String> diffIds() {
        return layers.stream().map(Layer::diffId).toList();
    }

    @Override
    public Map<String, byte[]> blobs() {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(configDigest(), configBytes);
        layers.forEach(layer -> blobs.put(layer.digest(), layer.blob()));
        return blobs;
    }
}
