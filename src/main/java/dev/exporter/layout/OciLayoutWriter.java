package dev.exporter.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.image.Json;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.tar.TarWriter;
import dev.exporter.transfer.AtomicOutputFile;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes OCI image layouts (as a tar or into a folder) that keep every blob byte-for-byte as the registry served it,
 * plus the {@code manifest.json} that lets {@code docker load} read the same layout, as Docker 25+ archives do.
 */
public final class OciLayoutWriter {

    static final String INDEX = "index.json";
    static final String DOCKER_MANIFEST = "manifest.json";
    static final String LAYOUT_MARKER = "oci-layout";
    static final String CONTAINERD_NAME = "io.containerd.image.name";
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

    private OciLayoutWriter() {
    }

    /**
     * Writes a layout tar. {@code blobs} maps every blob the images and referrers need (manifests, configs, layers)
     * to its file.
     */
    public static void writeTar(List<OciLayoutImage> images, List<OciLayoutReferrer> referrers, Map<Digest, Path> blobs,
                                WritableByteChannel out) throws IOException {
        writeTar(images, referrers, blobs, Map.of(), out);
    }

    /**
     * Writes a layout tar in which the blobs of {@code reserved} (digest to size) are left as holes of their exact
     * size, for downloads to fill in place; returns each one's offset in the file. {@code out} must be a
     * {@link java.nio.channels.FileChannel} of an empty file. The result is byte-identical to
     * {@link #writeTar(List, List, Map, WritableByteChannel)} once every hole holds its blob.
     */
    public static Map<Digest, Long> writeTar(List<OciLayoutImage> images, List<OciLayoutReferrer> referrers,
                                             Map<Digest, Path> files, Map<Digest, Long> reserved,
                                             WritableByteChannel out) throws IOException {
        Map<String, Object> entries = new TreeMap<>();
        Map<String, Digest> reservedNames = new HashMap<>();
        files.forEach((digest, file) -> entries.put(blobPath(digest), file));
        reserved.forEach((digest, size) -> {
            entries.put(blobPath(digest), size);
            reservedNames.put(blobPath(digest), digest);
        });
        entries.put(INDEX, Json.write(index(null, images, referrers)));
        entries.put(DOCKER_MANIFEST, Json.withNewline(Json.write(dockerManifest(null, images))));
        entries.put(LAYOUT_MARKER, LAYOUT);
        Map<Digest, Long> offsets = new HashMap<>();
        Set<String> folders = new HashSet<>();
        try (TarWriter tar = new TarWriter(out)) {
            for (Map.Entry<String, Object> e : entries.entrySet()) {
                String name = e.getKey();
                for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
                    String folder = name.substring(0, slash);
                    if (folders.add(folder)) {
                        tar.directory(folder, Instant.EPOCH);
                    }
                }
                if (e.getValue() instanceof Path file) {
                    tar.file(name, file, Instant.EPOCH);
                } else if (e.getValue() instanceof Long size) {
                    offsets.put(reservedNames.get(name), tar.reserve(name, size, Instant.EPOCH));
                } else {
                    tar.file(name, (byte[]) e.getValue(), Instant.EPOCH);
                }
            }
        }
        return offsets;
    }

    /** Copies a stored blob into the hole {@link #writeTar(List, Map, Map, WritableByteChannel)} left for it. */
    public static void fillHole(Path archive, long offset, Path blob, long size) throws IOException {
        TarWriter.fill(archive, offset, blob, size);
    }

    /**
     * Adds {@code images} and {@code referrers} to the layout in {@code dir}, whose {@code blobs/} already hold every
     * blob they need. Entries for the same names (for referrers-API entries: the same manifest, subject and
     * repository) are replaced, all others kept; {@code index.json} and {@code manifest.json} are
     * replaced atomically, under a lock, so concurrent exports into one folder keep every entry.
     */
    public static void updateDirectory(Path dir, List<OciLayoutImage> images, List<OciLayoutReferrer> referrers)
            throws IOException {
        Files.createDirectories(dir);
        try (LayoutLock lock = LayoutLock.acquire(dir, LAYOUT)) {
            JsonNode oldIndex = read(dir.resolve(INDEX));
            JsonNode oldManifest = read(dir.resolve(DOCKER_MANIFEST));
            writeAtomically(dir.resolve(INDEX), Json.write(index(oldIndex, images, referrers)));
            writeAtomically(dir.resolve(DOCKER_MANIFEST), Json.withNewline(Json.write(dockerManifest(oldManifest, images))));
        }
    }

    /** {@code blobs/<algorithm>/<hex>}; safe as a path because digests are validated hex. */
    public static String blobPath(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    /**
     * {@code index.json}: one entry per full name. An existing entry is replaced when either of its names is a new
     * image's full name, so entries written before {@code ref.name} became the full reference (it was the bare tag)
     * are replaced too; other entries are kept as they are. Referrers follow the images (see {@link OciLayoutReferrer}).
     */
    private static ObjectNode index(JsonNode existing, List<OciLayoutImage> images, List<OciLayoutReferrer> referrers) {
        Set<String> replaced = new HashSet<>();
        images.forEach(image -> replaced.add(image.fullName()));
        Set<String> subjects = new HashSet<>();
        for (OciLayoutReferrer referrer : referrers) {
            String name = referrer.annotations().get(CONTAINERD_NAME);
            if (name != null) {
                replaced.add(name);
            }
            if (referrer.annotations().containsKey(OciLayoutReferrer.SUBJECT)) {
                subjects.add(subjectKey(referrer.root().digest().toString(), referrer.annotations().get(OciLayoutReferrer.SUBJECT),
                        referrer.annotations().get(OciLayoutReferrer.REPOSITORY)));
            }
        }
        ObjectNode index = Json.object();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        if (existing != null) {
            for (JsonNode entry : existing.path("manifests")) {
                JsonNode annotations = entry.path("annotations");
                if (!replaced.contains(annotations.path(CONTAINERD_NAME).asText(null))
                        && !replaced.contains(annotations.path(REF_NAME).asText(null))
                        && !subjects.contains(subjectKey(entry.path("digest").asText(),
                        annotations.path(OciLayoutReferrer.SUBJECT).asText(null),
                        annotations.path(OciLayoutReferrer.REPOSITORY).asText(null)))) {
                    manifests.add(entry);
                }
            }
        }
        Set<String> added = new HashSet<>();
        for (OciLayoutImage image : images) {
            if (!added.add(image.fullName())) {
                continue;
            }
            ObjectNode entry = manifests.addObject();
            entry.put("mediaType", image.root().mediaType());
            entry.put("digest", image.root().digest().toString());
            entry.put("size", image.root().size());
            ObjectNode annotations = entry.putObject("annotations");
            annotations.put(CONTAINERD_NAME, image.fullName());
            if (image.refName() != null) {
                annotations.put(REF_NAME, image.refName());
            }
        }
        for (OciLayoutReferrer referrer : referrers) {
            ObjectNode entry = manifests.addObject();
            entry.put("mediaType", referrer.root().mediaType());
            entry.put("digest", referrer.root().digest().toString());
            entry.put("size", referrer.root().size());
            if (referrer.artifactType() != null) {
                entry.put("artifactType", referrer.artifactType());
            }
            ObjectNode annotations = entry.putObject("annotations");
            referrer.annotations().forEach(annotations::put);
        }
        return index;
    }

    private static String subjectKey(String digest, String subject, String repository) {
        return subject == null ? null : digest + " " + subject + " " + repository;
    }

    /** Docker's {@code manifest.json}: one entry per config, names merged; names now given to other images move. */
    private static ArrayNode dockerManifest(JsonNode existing, List<OciLayoutImage> images) {
        Map<String, ObjectNode> byConfig = new LinkedHashMap<>();
        Set<String> newTags = new HashSet<>();
        images.forEach(image -> newTags.addAll(image.repoTags()));
        if (existing != null && existing.isArray()) {
            for (JsonNode old : existing) {
                if (!(old instanceof ObjectNode entry) || !entry.hasNonNull("Config")) {
                    continue;
                }
                List<String> kept = new ArrayList<>();
                entry.path("RepoTags").forEach(t -> {
                    if (!newTags.contains(t.asText())) {
                        kept.add(t.asText());
                    }
                });
                boolean hadTags = entry.path("RepoTags").size() > 0;
                if (hadTags && kept.isEmpty()) {
                    continue;
                }
                setTags(entry, kept);
                byConfig.put(entry.get("Config").asText(), entry);
            }
        }
        for (OciLayoutImage image : images) {
            String config = blobPath(image.config());
            ObjectNode entry = byConfig.get(config);
            if (entry == null) {
                entry = Json.object();
                entry.put("Config", config);
                entry.putNull("RepoTags");
                ArrayNode layers = entry.putArray("Layers");
                image.layers().forEach(layer -> layers.add(blobPath(layer)));
                byConfig.put(config, entry);
            }
            List<String> tags = new ArrayList<>();
            entry.path("RepoTags").forEach(t -> tags.add(t.asText()));
            for (String tag : image.repoTags()) {
                if (!tags.contains(tag)) {
                    tags.add(tag);
                }
            }
            setTags(entry, tags);
        }
        ArrayNode out = Json.array();
        byConfig.values().forEach(out::add);
        return out;
    }

    private static void setTags(ObjectNode entry, List<String> tags) {
        if (tags.isEmpty()) {
            entry.putNull("RepoTags");
        } else {
            ArrayNode array = Json.array();
            tags.forEach(array::add);
            entry.set("RepoTags", array);
        }
    }

    private static JsonNode read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return Json.parse(Files.readAllBytes(file), "read " + file);
        } catch (RuntimeException e) {
            throw new IOException("update OCI layout: " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path file, byte[] content) throws IOException {
        try (AtomicOutputFile out = new AtomicOutputFile(file)) {
            out.stream().write(content);
            out.commit();
        }
    }
}
