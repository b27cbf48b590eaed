package dev.exporter.docker;

import dev.exporter.image.ImageConfig;
import dev.exporter.image.Json;
import dev.exporter.reference.Digest;
import dev.exporter.tar.TarWriter;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the classic {@code docker save} archive (moby's {@code image/tarexport/save.go}, docker 20.10-24): one
 * folder per layer named by its legacy v1 id with {@code VERSION}, {@code json} and {@code layer.tar}, the config as
 * {@code <id>.json}, then {@code manifest.json} and {@code repositories}. Every docker version loads this format.
 * A diff id seen before becomes a symlink to the first copy, so shared layers are stored once; entries are written
 * in the lexical order docker's own tar walk produces.
 */
public final class DockerArchiveWriter {

    private static final Instant EPOCH = Instant.EPOCH;

    private DockerArchiveWriter() {
    }

    private sealed interface Item permits Dir, Bytes, FileItem, Hole, Link {
    }

    private record Dir(Instant time) implements Item {
    }

    private record Bytes(byte[] content, Instant time) implements Item {
    }

    private record FileItem(Path content, Instant time) implements Item {
    }

    private record Hole(Digest diffId, long size, Instant time) implements Item {
    }

    private record Link(String target, Instant time) implements Item {
    }

    /**
     * Writes {@code images} as one archive; images with the same config are merged and their tags combined. Layers
     * given as {@link LayerTar.Hole}s are left as holes of their size (which needs {@code out} to be a
     * {@link java.nio.channels.FileChannel} of an empty file); returns each hole's offset by diff id. Once filled,
     * the file is byte-identical to one written from finished layer files.
     */
    public static Map<Digest, Long> write(List<DockerImage> images, WritableByteChannel out) throws IOException {
        Map<String, Item> items = new TreeMap<>();
        Map<Digest, String> layerPathByDiffId = new HashMap<>();
        Map<Digest, ManifestEntry> entries = new LinkedHashMap<>();
        Map<String, Map<String, String>> repositories = new TreeMap<>();

        for (DockerImage image : images) {
            ImageConfig config = image.config();
            ManifestEntry entry = entries.get(config.digest());
            if (entry == null) {
                entry = new ManifestEntry(config.digest().hex() + ".json", new ArrayList<>(), layers(image, items, layerPathByDiffId));
                entries.put(config.digest(), entry);
                items.put(entry.config(), new Bytes(config.raw(), created(config)));
            }
            String topId = entry.layers().isEmpty() ? null : entry.layers().get(entry.layers().size() - 1).split("/")[0];
            for (String repoTag : image.repoTags()) {
                if (!entry.repoTags().contains(repoTag)) {
                    entry.repoTags().add(repoTag);
                }
                int colon = repoTag.lastIndexOf(':');
                if (topId != null) {
                    repositories.computeIfAbsent(repoTag.substring(0, colon), k -> new TreeMap<>())
                            .put(repoTag.substring(colon + 1), topId);
                }
            }
        }

        items.put("manifest.json", new Bytes(manifestJson(entries.values()), EPOCH));
        if (!repositories.isEmpty()) {
            items.put("repositories", new Bytes(Json.withNewline(GoJson.marshal(repositories)), EPOCH));
        }
        Map<Digest, Long> holes = new HashMap<>();
        try (TarWriter tar = new TarWriter(out)) {
            for (Map.Entry<String, Item> e : items.entrySet()) {
                Item item = e.getValue();
                if (item instanceof Dir d) {
                    tar.directory(e.getKey(), d.time());
                } else if (item instanceof Bytes b) {
                    tar.file(e.getKey(), b.content(), b.time());
                } else if (item instanceof FileItem f) {
                    tar.file(e.getKey(), f.content(), f.time());
                } else if (item instanceof Hole h) {
                    holes.put(h.diffId(), tar.reserve(e.getKey(), h.size(), h.time()));
                } else if (item instanceof Link l) {
                    tar.symlink(e.getKey(), l.target(), l.time());
                }
            }
        }
        return holes;
    }

    private record ManifestEntry(String config, List<String> repoTags, List<String> layers) {
    }

    /** Adds the layer folders of one image and returns its {@code Layers} list. */
    private static List<String> layers(DockerImage image, Map<String, Item> items, Map<Digest, String> layerPathByDiffId) {
        ImageConfig config = image.config();
        List<Digest> diffIds = config.diffIds();
        Instant created = created(config);
        String os = config.os();
        List<String> layers = new ArrayList<>();
        String parent = null;
        for (int i = 0; i < diffIds.size(); i++) {
            boolean top = i == diffIds.size() - 1;
            Map<String, Object> record = top ? LegacyImageRecords.topLayer(config.json()) : LegacyImageRecords.lowerLayer();
            String id = LegacyImageRecords.createId(record, LegacyImageRecords.chainId(diffIds, i + 1), parent);
            String layerPath = id + "/layer.tar";
            if (!items.containsKey(id)) {
                items.put(id, new Dir(created));
                items.put(id + "/VERSION", new Bytes("1.0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), created));
                items.put(id + "/json", new Bytes(LegacyImageRecords.layerJson(record, id, parent, os), created));
                String first = layerPathByDiffId.putIfAbsent(diffIds.get(i), layerPath);
                LayerTar tar = image.layerTars().get(i);
                Item content = tar instanceof LayerTar.Hole h ? new Hole(diffIds.get(i), h.size(), created)
                        : new FileItem(((LayerTar.File) tar).path(), created);
                items.put(layerPath, first == null ? content : new Link("../" + first, created));
            }
            layers.add(layerPath);
            parent = id;
        }
        return layers;
    }

    private static byte[] manifestJson(Iterable<ManifestEntry> entries) {
        List<Object> out = new ArrayList<>();
        for (ManifestEntry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Config", e.config());
            m.put("RepoTags", e.repoTags().isEmpty() ? null : List.copyOf(e.repoTags()));
            m.put("Layers", List.copyOf(e.layers()));
            out.add(m);
        }
        return Json.withNewline(GoJson.marshal(out));
    }

    private static Instant created(ImageConfig config) {
        String created = config.created();
        if (created == null) {
            return EPOCH;
        }
        try {
            Instant t = OffsetDateTime.parse(created).toInstant();
            return t.isBefore(EPOCH) ? EPOCH : t;
        } catch (DateTimeParseException e) {
            return EPOCH;
        }
    }
}
