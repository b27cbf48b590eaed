package dev.exporter.push;

import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ImageSource;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.image.SourceImage;
import dev.exporter.reference.Digest;
import dev.exporter.transfer.VerifyingStream;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything under one image of a source that a registry must receive, in the order it must receive it: the blobs
 * first, then the manifests and indexes children first, the root last. Documents are read from the source
 * (verified) and kept byte for byte. An index whose source lacks some of its manifests (a layout exported for
 * some platforms only) is pushed as the subset the source holds, which changes its digest: the listener hears so.
 *
 * @param documents children first, {@code root} last
 * @param blobs     every config and layer the manifests name, each once; foreign layers (with {@code urls}) left out
 */
record SourceTree(ManifestDocument root, List<ManifestDocument> documents, List<Descriptor> blobs) {

    private static final int MAX_NESTING = 4;

    static SourceTree of(ImageSource source, SourceImage image, String what, PushListener listener) throws IOException {
        Map<Digest, ManifestDocument> documents = new LinkedHashMap<>();
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        ManifestDocument root = walk(source, image.root(), what, 0, documents, blobs, listener);
        return new SourceTree(root, List.copyOf(documents.values()), List.copyOf(blobs.values()));
    }

    private static ManifestDocument walk(ImageSource source, ManifestDocument document, String what, int depth,
                                         Map<Digest, ManifestDocument> documents, Map<Digest, Descriptor> blobs,
                                         PushListener listener) throws IOException {
        if (document instanceof ImageManifest manifest) {
            blobs.putIfAbsent(manifest.config().digest(), manifest.config());
            for (Descriptor layer : manifest.layers()) {
                if (layer.urls().isEmpty()) {
                    blobs.putIfAbsent(layer.digest(), layer);
                }
            }
            documents.putIfAbsent(manifest.digest(), manifest);
            return manifest;
        }
        ImageIndex index = (ImageIndex) document;
        if (depth >= MAX_NESTING) {
            throw new ManifestException(what + ": indexes nested more than " + MAX_NESTING + " deep");
        }
        List<Descriptor> present = new ArrayList<>();
        for (Descriptor child : index.manifests()) {
            ManifestDocument held = read(source, child, what);
            if (held != null) {
                walk(source, held, what, depth + 1, documents, blobs, listener);
                present.add(child);
            }
        }
        if (present.isEmpty()) {
            throw new ManifestException(what + ": index " + index.digest() + " names " + index.manifests().size()
                    + " manifests and the source holds none of them");
        }
        ImageIndex pushed = index;
        if (present.size() < index.manifests().size()) {
            pushed = index.subset(present);
            listener.warning(what + ": the source holds " + present.size() + " of the " + index.manifests().size()
                    + " manifests of index " + index.digest() + "; pushing an index of those, digest " + pushed.digest());
        }
        documents.putIfAbsent(pushed.digest(), pushed);
        return pushed;
    }

    /** The document {@code descriptor} names, verified, or null when the source does not hold it. */
    private static ManifestDocument read(ImageSource source, Descriptor descriptor, String what) throws IOException {
        if (!MediaTypes.isIndex(descriptor.mediaType()) && !MediaTypes.isImageManifest(descriptor.mediaType())) {
            return null;
        }
        InputStream in;
        try {
            in = source.open(descriptor);
        } catch (FileNotFoundException e) {
            return null;
        }
        try (VerifyingStream verified = VerifyingStream.of(in, descriptor.digest(), descriptor.size(),
                what + ": manifest " + descriptor.digest())) {
            byte[] raw = verified.readAll(ManifestDocument.MAX_SIZE);
            return ManifestDocument.parse(raw, descriptor.mediaType(), what + ": manifest " + descriptor.digest());
        }
    }
}
