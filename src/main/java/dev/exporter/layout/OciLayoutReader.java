package dev.exporter.layout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ImageSource;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.reference.Digest;
import dev.exporter.tar.TarReader;
import dev.exporter.transfer.VerifyingStream;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI image layout as an {@link ImageSource}, as a folder or a tar (plain, gzip or zstd): ours, skopeo's
 * {@code oci:} and {@code oci-archive:}, podman's {@code oci-archive}, docker 25+'s {@code docker save}. Unlike a
 * docker-save archive a layout keeps the registry's manifests, so every digest survives.
 *
 * <p>Each {@code index.json} entry is one {@link SourceImage}. Its name is the {@code io.containerd.image.name}
 * annotation (a full reference, as docker and our writer set it), else {@code org.opencontainers.image.ref.name}
 * as written: a full reference when the writer put one there, but usually only a tag ({@code v1}, as skopeo
 * writes), which is kept as that bare tag since the layout does not say which repository it belongs to. Its root
 * is the manifest or index the entry points at; its images are the image manifests under it (through nested
 * indexes) whose manifest and config blobs the layout holds, so a layout that kept only some platforms of an index
 * lists just those. Artifacts (signatures, SBOMs, attestations, referrer indexes, with configs of their own types
 * such as {@code application/vnd.oci.empty.v1+json}) are entries too, whose images are empty unless their config is
 * an image config that fits their layers (cosign's signatures); entries without a name (referrers that only the
 * referrers API named, see {@code OciLayoutReferrer}) have no names. Blobs live at {@code blobs/<algorithm>/<hex>}; the digest is validated first, so no
 * name taken from the layout becomes a path that leads elsewhere.
 */
public final class OciLayoutReader implements ImageSource {

    private static final String LAYOUT_MARKER = "oci-layout";
    private static final String INDEX = "index.json";
    private static final int MAX_NESTING = 8;
    private static final String CONTAINERD_NAME = "io.containerd.image.name";
    private static final String REF_NAME = "org.opencontainers.image.ref.name";

    /** Where the layout's files are: a folder or an indexed tar. */
    private interface LayoutFiles {
        /** The file's size, or empty when it is not there. */
        Optional<Long> size(String path) throws IOException;

        InputStream open(String path) throws IOException;

        void close() throws IOException;
    }

    private final LayoutFiles files;
    private final String what;
    private final Map<Digest, ManifestDocument> documents = new HashMap<>();
    private final Map<Digest, ImageConfig> configs = new HashMap<>();
    private final List<SourceImage> images = new ArrayList<>();

    private OciLayoutReader(LayoutFiles files, String what) {
        this.files = files;
        this.what = what;
    }

    /**
     * Opens the layout at {@code path}: a folder, or a tar file (compressed ones are decompressed into a temporary
     * file in {@code tempDir}, deleted on {@link #close()}).
     */
    public static OciLayoutReader open(Path path, Path tempDir) throws IOException {
        if (Files.isDirectory(path)) {
            return open(path);
        }
        return of(TarReader.open(path, tempDir));
    }

    /** Opens the layout in the folder {@code folder}. */
    public static OciLayoutReader open(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder.toString(), null, "read OCI layout: not a folder");
        }
        return read(new Folder(folder), "read OCI layout " + folder);
    }

    /** Reads the layout in an indexed tar, which then belongs to the reader (and is closed on failure). */
    public static OciLayoutReader of(TarReader tar) throws IOException {
        return read(new Tar(tar), "read OCI layout " + tar.name());
    }

    private static OciLayoutReader read(LayoutFiles files, String what) throws IOException {
        OciLayoutReader reader = new OciLayoutReader(files, what);
        try {
            reader.index();
            return reader;
        } catch (IOException | RuntimeException e) {
            files.close();
            throw e;
        }
    }

    @Override
    public List<SourceImage> images() {
        return List.copyOf(images);
    }

    @Override
    public InputStream open(Descriptor blob) throws IOException {
        String path = blobPath(blob.digest());
        if (files.size(path).isEmpty()) {
            throw new FileNotFoundException(what + ": blob " + blob.digest() + " is not in the layout (no " + path + ")");
        }
        return VerifyingStream.of(files.open(path), blob.digest(), blob.size(), what + ": " + path);
    }

    @Override
    public void close() throws IOException {
        files.close();
    }

    private void index() throws IOException {
        checkLayoutMarker();
        ManifestDocument index = ManifestDocument.parse(readSmall(INDEX, ManifestDocument.MAX_SIZE), MediaTypes.OCI_INDEX,
                what + ": " + INDEX);
        if (!(index instanceof ImageIndex entries)) {
            throw new ManifestException(what + ": " + INDEX + " is an image manifest, not an index");
        }
        for (int i = 0; i < entries.manifests().size(); i++) {
            Descriptor entry = entries.manifests().get(i);
            String where = INDEX + " manifests[" + i + "] " + entry.digest();
            ManifestDocument root = document(entry, where)
                    .orElseThrow(() -> new ManifestException(what + ": " + where + ": blob " + blobPath(entry.digest())
                            + " is not in the layout"));
            List<Image> found = new ArrayList<>();
            collect(root, where, 0, found);
            images.add(new SourceImage(names(entry), root, found));
        }
    }

    private void checkLayoutMarker() throws IOException {
        if (files.size(LAYOUT_MARKER).isEmpty()) {
            throw new ManifestException(what + ": no " + LAYOUT_MARKER + " file (is it an OCI image layout?)");
        }
        JsonNode marker = Json.parse(readSmall(LAYOUT_MARKER, 64 * 1024), what + ": " + LAYOUT_MARKER);
        String version = Json.text(marker, "imageLayoutVersion");
        if (version == null || !version.startsWith("1.")) {
            throw new ManifestException(what + ": " + LAYOUT_MARKER + ": unsupported imageLayoutVersion '" + version
                    + "' (expected 1.x)");
        }
    }

    /** The bare name of an entry: see the class comment. */
    private static List<String> names(Descriptor entry) {
        String name = entry.annotations().get(CONTAINERD_NAME);
        if (name == null || name.isEmpty()) {
            name = entry.annotations().get(REF_NAME);
        }
        return name == null || name.isEmpty() ? List.of() : List.of(name);
    }

    /** Adds the images under {@code document} whose blobs are present to {@code found}. */
    private void collect(ManifestDocument document, String where, int depth, List<Image> found) throws IOException {
        if (document instanceof ImageManifest manifest) {
            if (!isArtifact(manifest)) {
                config(manifest, where).ifPresent(config -> found.add(new Image(manifest, config)));
                return;
            }
            try {
                config(manifest, where).filter(c -> c.diffIds().size() == manifest.layers().size())
                        .ifPresent(config -> found.add(new Image(manifest, config)));
            } catch (ManifestException notAnImageConfig) {
                // an artifact's config need not be an image's: the entry is there, with no image
            }
            return;
        }
        if (depth >= MAX_NESTING) {
            throw new ManifestException(what + ": " + where + ": indexes nested more than " + MAX_NESTING + " deep");
        }
        List<Descriptor> children = ((ImageIndex) document).manifests();
        for (int i = 0; i < children.size(); i++) {
            Descriptor child = children.get(i);
            if (!MediaTypes.isIndex(child.mediaType()) && !MediaTypes.isImageManifest(child.mediaType())) {
                continue; // an artifact, not an image
            }
            String childWhere = where + " > manifests[" + i + "] " + child.digest();
            Optional<ManifestDocument> resolved = document(child, childWhere);
            if (resolved.isPresent()) {
                collect(resolved.get(), childWhere, depth + 1, found);
            }
        }
    }

    /**
     * Whether a manifest is an artifact's (a signature, an SBOM, an attestation): some layer is not a filesystem
     * layer. Its config may still be an image config (cosign's are), which then makes it an {@link Image}.
     */
    private static boolean isArtifact(ImageManifest manifest) {
        return !manifest.layers().stream().allMatch(layer -> MediaTypes.isLayer(layer.mediaType()));
    }

    /** The manifest or index {@code descriptor} names, verified, or empty when the layout does not hold it. */
    private Optional<ManifestDocument> document(Descriptor descriptor, String where) throws IOException {
        ManifestDocument known = documents.get(descriptor.digest());
        if (known != null) {
            return Optional.of(known);
        }
        String path = blobPath(descriptor.digest());
        if (files.size(path).isEmpty()) {
            return Optional.empty();
        }
        byte[] raw = readBlob(path, descriptor, ManifestDocument.MAX_SIZE, where);
        ManifestDocument document = ManifestDocument.parse(raw, descriptor.mediaType(), what + ": " + where);
        documents.put(descriptor.digest(), document);
        return Optional.of(document);
    }

    /** The image's config, or empty when the layout lacks it or the manifest is an artifact's. */
    private Optional<ImageConfig> config(ImageManifest manifest, String where) throws IOException {
        Descriptor descriptor = manifest.config();
        if (!MediaTypes.OCI_CONFIG.equals(descriptor.mediaType())
                && !MediaTypes.DOCKER_CONFIG.equals(descriptor.mediaType())) {
            return Optional.empty();
        }
        ImageConfig known = configs.get(descriptor.digest());
        if (known != null) {
            return Optional.of(known);
        }
        String path = blobPath(descriptor.digest());
        if (files.size(path).isEmpty()) {
            return Optional.empty();
        }
        String configWhere = where + " config " + descriptor.digest();
        byte[] raw = readBlob(path, descriptor, ImageConfig.MAX_SIZE, configWhere);
        ImageConfig config = ImageConfig.parse(raw, descriptor.digest(), what + ": " + configWhere);
        configs.put(descriptor.digest(), config);
        return Optional.of(config);
    }

    private byte[] readBlob(String path, Descriptor descriptor, int max, String where) throws IOException {
        try (VerifyingStream in = VerifyingStream.of(files.open(path), descriptor.digest(), descriptor.size(),
                what + ": " + where + ": " + path)) {
            return in.readAll(max);
        }
    }

    private byte[] readSmall(String path, int max) throws IOException {
        long size = files.size(path).orElseThrow(() -> new ManifestException(what + ": no " + path
                + " in the layout (or it is not a regular file)"));
        if (size > max) {
            throw new ManifestException(what + ": " + path + " has " + size + " bytes, over the limit of " + max);
        }
        try (InputStream in = files.open(path)) {
            return in.readNBytes(max);
        }
    }

    /** {@code blobs/<algorithm>/<hex>}; a {@link Digest} holds only a known algorithm and lowercase hex. */
    private static String blobPath(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    private record Folder(Path root) implements LayoutFiles {
        @Override
        public Optional<Long> size(String path) throws IOException {
            Path file = root.resolve(path);
            return Files.isRegularFile(file) ? Optional.of(Files.size(file)) : Optional.empty();
        }

        @Override
        public InputStream open(String path) throws IOException {
            return Files.newInputStream(root.resolve(path));
        }

        @Override
        public void close() {
            // nothing held open
        }
    }

    private record Tar(TarReader tar) implements LayoutFiles {
        @Override
        public Optional<Long> size(String path) throws IOException {
            return tar.find(path).map(TarReader.Entry::size);
        }

        @Override
        public InputStream open(String path) throws IOException {
            TarReader.Entry entry = tar.find(path).orElseThrow(() -> new NoSuchFileException(tar.name() + ": " + path));
            return tar.open(entry);
        }

        @Override
        public void close() throws IOException {
            tar.close();
        }
    }
}
