package dev.exporter.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ImageSource;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.reference.Digest;
import dev.exporter.tar.Compression;
import dev.exporter.tar.TarReader;
import dev.exporter.transfer.VerifyingStream;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code docker save} archive as an {@link ImageSource}: the classic layout of docker 20.10-24 (a folder with
 * {@code layer.tar} per layer, {@code <hex>.json} configs; also what podman, skopeo's {@code docker-archive:} and
 * our own writer produce) and docker 25+'s, whose {@code manifest.json} points into {@code blobs/sha256/}. The
 * archive may be plain, gzip or zstd compressed.
 *
 * <p>Such an archive keeps no manifest, so each {@code manifest.json} entry gets one made up from the files as
 * stored: a Docker v2 schema 2 manifest whose config and layer descriptors carry the sha256 and size of those
 * files, layer media types told by sniffing (uncompressed, gzip or zstd). An uncompressed layer's sha256 is its
 * diff id, so opening reads only its first bytes and every read checks it against the config; a compressed layer
 * file (rare: hand-made archives) is hashed once when the archive is opened. {@link #open} serves the config and layer files,
 * and the made-up manifests, by digest, verified as they are read.
 */
public final class DockerArchiveReader implements ImageSource {

    private static final String MANIFEST_JSON = "manifest.json";
    private static final int MAX_MANIFEST_JSON = 16 * 1024 * 1024;
    private static final int HEAD = 4;

    /** A file of the archive and how to name it in messages ({@code Layers[2] 'abc/layer.tar'}). */
    private record Blob(TarReader.Entry entry, String label) {
    }

    /** What hashing a layer file found: its own digest and size, and the digest of what it uncompresses to. */
    private record LayerFile(Digest digest, long size, Compression compression, Digest diffId) {
    }

    /** The parts of a config file, read and parsed once however many entries name it. */
    private record ConfigFile(TarReader.Entry entry, byte[] bytes, Digest digest, ImageConfig config) {
    }

    /** A file name that is a sha256 digest: {@code blobs/sha256/<hex>} (docker 25+), {@code <hex>.json} (a config). */
    private static final Pattern CONTENT_ADDRESSED = Pattern.compile("(?:.*/)?blobs/sha256/([0-9a-f]{64})|([0-9a-f]{64})\\.json");

    private final TarReader tar;
    private final String what;
    private final List<SourceImage> images = new ArrayList<>();
    private final Map<Digest, Blob> blobs = new HashMap<>();
    private final Map<String, LayerFile> hashed = new HashMap<>();
    private final Map<String, ConfigFile> configs = new HashMap<>();
    /** The made-up manifests by digest, one object for all entries of the same image. */
    private final Map<Digest, ImageManifest> madeUp = new HashMap<>();

    private DockerArchiveReader(TarReader tar) {
        this.tar = tar;
        this.what = "read docker archive " + tar.name();
    }

    /**
     * Opens and indexes the archive at {@code archive}; a compressed one is decompressed into a temporary file in
     * {@code tempDir} first, deleted again on {@link #close()}.
     */
    public static DockerArchiveReader open(Path archive, Path tempDir) throws IOException {
        return of(TarReader.open(archive, tempDir));
    }

    /** Reads the images of an already indexed archive, which then belongs to the reader (and is closed on failure). */
    public static DockerArchiveReader of(TarReader tar) throws IOException {
        DockerArchiveReader reader = new DockerArchiveReader(tar);
        try {
            reader.index();
            return reader;
        } catch (IOException | RuntimeException e) {
            tar.close();
            throw e;
        }
    }

    /** One image per {@code manifest.json} entry, in its order; names are the entry's {@code RepoTags} as written. */
    @Override
    public List<SourceImage> images() {
        return List.copyOf(images);
    }

    /** Its manifests are made up from {@code manifest.json}: a registry gets new ones. */
    @Override
    public boolean madeUpManifests() {
        return true;
    }

    @Override
    public InputStream open(Descriptor blob) throws IOException {
        ImageManifest manifest = madeUp.get(blob.digest());
        if (manifest != null) {
            return VerifyingStream.of(new ByteArrayInputStream(manifest.raw()), blob.digest(), blob.size(),
                    what + ": manifest " + blob.digest() + " (made up from " + MANIFEST_JSON + ")");
        }
        Blob file = blobs.get(blob.digest());
        if (file == null) {
            throw new FileNotFoundException(what + ": no file with digest " + blob.digest() + " in the archive");
        }
        return VerifyingStream.of(tar.open(file.entry()), blob.digest(), blob.size(),
                what + ": " + file.label() + " (" + blob.digest() + ")");
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private void index() throws IOException {
        TarReader.Entry manifestEntry = tar.find(MANIFEST_JSON).orElseThrow(() -> new ManifestException(what
                + ": no " + MANIFEST_JSON + " in the archive (is it a docker save archive?)"));
        JsonNode entries = Json.parse(tar.readAll(manifestEntry, MAX_MANIFEST_JSON), what + ": " + MANIFEST_JSON);
        if (!entries.isArray()) {
            throw new ManifestException(what + ": " + MANIFEST_JSON + " is not a JSON array");
        }
        for (int i = 0; i < entries.size(); i++) {
            images.add(image(entries.get(i), MANIFEST_JSON + "[" + i + "]"));
        }
    }

    private SourceImage image(JsonNode entry, String where) throws IOException {
        if (!entry.isObject()) {
            throw new ManifestException(what + ": " + where + " is not a JSON object");
        }
        String configPath = text(entry.get("Config"), where + ": Config");
        ConfigFile configFile = config(configPath, where + ": Config");
        Digest configDigest = configFile.digest();
        ImageConfig config = configFile.config();
        blobs.putIfAbsent(configDigest, new Blob(configFile.entry(), "Config '" + configPath + "'"));

        JsonNode layerPaths = entry.get("Layers");
        if (layerPaths == null || !layerPaths.isArray()) {
            throw new ManifestException(what + ": " + where + ": missing Layers array");
        }
        if (layerPaths.size() != config.diffIds().size()) {
            throw new ManifestException(what + ": " + where + ": " + layerPaths.size() + " Layers but Config '"
                    + configPath + "' lists " + config.diffIds().size() + " rootfs.diff_ids");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < layerPaths.size(); i++) {
            String path = text(layerPaths.get(i), where + ": Layers[" + i + "]");
            String label = "Layers[" + i + "] '" + path + "'";
            TarReader.Entry layerEntry = file(path, where + ": Layers[" + i + "]");
            Digest diffId = config.diffIds().get(i);
            LayerFile layer = layer(layerEntry, label, diffId);
            blobs.putIfAbsent(layer.digest(), new Blob(layerEntry, label));
            layers.add(Descriptor.of(mediaType(layer.compression()), layer.digest(), layer.size()));
        }
        ImageManifest manifest = ImageManifest.dockerV2(
                Descriptor.of(MediaTypes.DOCKER_CONFIG, configDigest, configFile.bytes().length), layers,
                what + ": manifest made up for " + where);
        // entries of the same image share one manifest object: memory grows with images, not with entries
        ImageManifest shared = madeUp.putIfAbsent(manifest.digest(), manifest);
        manifest = shared != null ? shared : manifest;
        return new SourceImage(repoTags(entry.get("RepoTags"), where), manifest, List.of(new Image(manifest, config)));
    }

    /**
     * The config file at {@code path}, read, checked and parsed once however many entries name it. A name that is a
     * digest ({@code <hex>.json}, as docker, podman and skopeo name configs, or {@code blobs/sha256/<hex>}) must be
     * the digest of the bytes: else the file was changed after it was saved, and the image id with it.
     */
    private ConfigFile config(String path, String where) throws IOException {
        ConfigFile known = configs.get(path);
        if (known != null) {
            return known;
        }
        TarReader.Entry entry = file(path, where);
        byte[] bytes = tar.readAll(entry, ImageConfig.MAX_SIZE);
        Digest digest = Digest.sha256Of(bytes);
        checkName(path, digest, where + " '" + path + "'");
        ConfigFile config = new ConfigFile(entry, bytes, digest, ImageConfig.parse(bytes, digest,
                what + ": " + where + " '" + path + "'"));
        configs.put(path, config);
        return config;
    }

    /** Fails when {@code path} is named by a sha256 digest other than {@code digest}, the one of its content. */
    private void checkName(String path, Digest digest, String label) {
        Matcher name = CONTENT_ADDRESSED.matcher(path);
        if (name.matches()) {
            String hex = name.group(1) != null ? name.group(1) : name.group(2);
            if (!hex.equals(digest.hex()) || !digest.algorithm().equals("sha256")) {
                throw new ContentException(what + ": " + label + " has digest " + digest + ", not the sha256:" + hex
                        + " its name says: the archive is damaged");
            }
        }
    }

    private static String mediaType(Compression compression) {
        return switch (compression) {
            case NONE -> MediaTypes.DOCKER_LAYER;
            case GZIP -> MediaTypes.DOCKER_LAYER_GZIP;
            case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
        };
    }

    /** The regular file {@code path} names, following links; an error naming {@code where} when there is none. */
    private TarReader.Entry file(String path, String where) throws IOException {
        return tar.find(path).orElseThrow(() -> new ManifestException(what + ": " + where + " '" + path
                + "' is not in the archive"));
    }

    /**
     * The digest, size and compression of a layer file. An uncompressed one (what docker save writes) is its own
     * diff id, so it is not read here: reading it later checks it against {@code diffId}. A compressed one is
     * hashed now, once however many images share it, and uncompressed on the way: what it uncompresses to must be
     * {@code diffId}, as docker load checks, since nothing else in a docker archive vouches for its bytes.
     */
    private LayerFile layer(TarReader.Entry entry, String label, Digest diffId) throws IOException {
        byte[] head;
        try (InputStream in = tar.open(entry)) {
            head = in.readNBytes(HEAD);
        } catch (IOException e) {
            throw new IOException(what + ": read " + label + ": " + e.getMessage(), e);
        }
        Compression compression = Compression.sniff(head, head.length);
        if (compression == Compression.NONE) {
            checkName(entry.name(), diffId, label);
            return new LayerFile(diffId, entry.size(), Compression.NONE, diffId);
        }
        LayerFile layer = hashed.get(entry.name());
        if (layer == null) {
            layer = hash(entry, label, compression);
            hashed.put(entry.name(), layer);
        }
        checkName(entry.name(), layer.digest(), label);
        if (!layer.diffId().equals(diffId)) {
            throw new ContentException(what + ": " + label + " uncompresses to " + layer.diffId()
                    + ", not the config's diff id " + diffId + ": the archive is damaged");
        }
        return layer;
    }

    /**
     * The sha256 of a compressed layer file, and the sha256 of what it uncompresses to, in one read. Its size is the
     * entry's: a file that is shorter now fails every later read of it (the verifying stream counts the bytes).
     */
    private LayerFile hash(TarReader.Entry entry, String label, Compression compression) throws IOException {
        MessageDigest uncompressed = Digest.newSha256();
        byte[] buffer = new byte[256 * 1024];
        try (DigestInputStream file = new DigestInputStream(tar.open(entry), Digest.newSha256());
             InputStream plain = compression.decompress(file)) {
            for (int n; (n = plain.read(buffer)) != -1; ) {
                uncompressed.update(buffer, 0, n);
            }
            // what follows the compressed stream (if anything) is part of the file's digest all the same
            while (file.read(buffer) != -1) {
                // hashed by the stream
            }
            return new LayerFile(Digest.sha256(file.getMessageDigest().digest()), entry.size(), compression,
                    Digest.sha256(uncompressed.digest()));
        } catch (IOException e) {
            throw new ContentException(what + ": uncompress " + label + ": " + e.getMessage()
                    + ": the archive is damaged");
        }
    }

    private String text(JsonNode node, String where) {
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new ManifestException(what + ": " + where + " is missing or not a string");
        }
        return node.asText();
    }

    private List<String> repoTags(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ManifestException(what + ": " + where + ": RepoTags is not an array");
        }
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            tags.add(text(node.get(i), where + ": RepoTags[" + i + "]"));
        }
        return tags;
    }
}
