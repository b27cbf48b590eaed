package dev.exporter.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a single-platform {@link TestImage}: layers, config JSON and manifest, all
 * deterministic (fixed timestamps, compact JSON with fixed key order).
 *
 * <pre>{@code
 * TestImage image = ImageBuilder.of(ImageFormat.OCI)
 *         .platform(Platform.parse("linux/arm64/v8"))
 *         .layer(LayerSpec.empty().file("etc/motd", "hi"), Compression.GZIP)
 *         .emptyLayerHistory("ENV A=b")
 *         .env("A=b")
 *         .build();
 * }</pre>
 *
 * Each layer gets one config history entry; {@link #emptyLayerHistory} adds entries without a
 * layer ({@code "empty_layer": true}), like Dockerfile ENV/CMD steps.
 */
public final class ImageBuilder {

    /** The {@code created} time of configs and history, and the mtime of all tar entries. */
    public static final Instant FIXED_TIME = Instant.parse("2024-01-01T00:00:00Z");

    static final ObjectMapper JSON = new ObjectMapper();

    private final ImageFormat format;
    private Platform platform = Platform.LINUX_AMD64;
    private final List<Layer> layers = new ArrayList<>();
    private final List<ObjectNode> history = new ArrayList<>();
    private List<String> env = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    private List<String> cmd = List.of("/bin/sh");
    private List<String> entrypoint;
    private String workingDir;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private java.util.function.Consumer<ObjectNode> configEdit = c -> { };

    private ImageBuilder(ImageFormat format) {
        this.format = format;
    }

    public static ImageBuilder of(ImageFormat format) {
        return new ImageBuilder(format);
    }

    /** Defaults to {@link Platform#LINUX_AMD64}; written to the config (and to indexes). */
    public ImageBuilder platform(Platform platform) {
        this.platform = platform;
        return this;
    }

    /** Adds a layer built from {@code spec} with this image's format. */
    public ImageBuilder layer(LayerSpec spec, Compression compression) {
        return layer(spec.build(format, compression));
    }

    /** Adds an already built layer; adding the same layer twice repeats its diff_id in rootfs. */
    public ImageBuilder layer(Layer layer) {
        if (!format.layerMediaType(layer.compression()).equals(layer.mediaType())) {
            throw new IllegalArgumentException(layer.mediaType() + " layer in a " + format + " image");
        }
        layers.add(layer);
        history.add(historyEntry("COPY layer" + layers.size() + " /"));
        return this;
    }

    /** Adds a history entry that has no layer. */
    public ImageBuilder emptyLayerHistory(String createdBy) {
        history.add(historyEntry(createdBy).put("empty_layer", true));
        return this;
    }

    /** Replaces the default {@code PATH=...} environment. */
    public ImageBuilder env(String... env) {
        this.env = List.of(env);
        return this;
    }

    /** Replaces the default {@code ["/bin/sh"]}. */
    public ImageBuilder cmd(String... cmd) {
        this.cmd = List.of(cmd);
        return this;
    }

    public ImageBuilder entrypoint(String... entrypoint) {
        this.entrypoint = List.of(entrypoint);
        return this;
    }

    public ImageBuilder workingDir(String workingDir) {
        this.workingDir = workingDir;
        return this;
    }

    public ImageBuilder label(String key, String value) {
        labels.put(key, value);
        return this;
    }

    /** Edits the config JSON just before it is serialized, for fields the other setters do not cover. */
    public ImageBuilder configure(java.util.function.Consumer<ObjectNode> edit) {
        this.configEdit = this.configEdit.andThen(edit);
        return this;
    }

    public TestImage build() {
        ObjectNode config = JSON.createObjectNode()
                .put("architecture", platform.architecture())
                .put("os", platform.os());
        if (platform.variant() != null) {
            config.put("variant", platform.variant());
        }
        config.put("created", FIXED_TIME.toString());
        ObjectNode runConfig = config.putObject("config");
        strings(runConfig.putArray("Env"), env);
        strings(runConfig.putArray("Cmd"), cmd);
        if (entrypoint != null) {
            strings(runConfig.putArray("Entrypoint"), entrypoint);
        }
        if (!labels.isEmpty()) {
            ObjectNode labelNode = runConfig.putObject("Labels");
            labels.forEach(labelNode::put);
        }
        if (workingDir != null) {
            runConfig.put("WorkingDir", workingDir);
        }
        ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
        strings(rootfs.putArray("diff_ids"), layers.stream().map(Layer::diffId).toList());
        config.putArray("history").addAll(history);
        configEdit.accept(config);
        byte[] configBytes = writeJson(config);

        ObjectNode manifest = JSON.createObjectNode()
                .put("schemaVersion", 2)
                .put("mediaType", format.manifestMediaType());
        descriptor(manifest.putObject("config"), format.configMediaType(), configBytes);
        ArrayNode layerNodes = manifest.putArray("layers");
        for (Layer layer : layers) {
            layerNodes.addObject().put("mediaType", layer.mediaType()).put("size", layer.size()).put("digest", layer.digest());
        }
        return new TestImage(format, platform, configBytes, layers, writeJson(manifest));
    }

    /** Fills {@code node} as a descriptor of {@code content}; returns it. */
    static ObjectNode descriptor(ObjectNode node, String mediaType, byte[] content) {
        return node.put("mediaType", mediaType).put("size", content.length).put("digest", Digests.sha256(content));
    }

    static byte[] writeJson(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode readJson(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode historyEntry(String createdBy) {
        return JSON.createObjectNode().put("created", FIXED_TIME.toString()).put("created_by", createdBy);
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
