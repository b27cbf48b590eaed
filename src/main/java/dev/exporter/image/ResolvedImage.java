package dev.exporter.image;

import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One reference resolved once, as every sink takes it: what the name points at and the platform images kept.
 *
 * @param root    what the reference resolves to and a layout's {@code index.json} names: the registry's index (all
 *                platforms), a subset of it, or one image's manifest
 * @param images  every platform image under {@code root} whose blobs are transferred
 * @param primary the image a docker archive (and {@code manifest.json}) holds: one of {@code images}
 * @param index   the index the reference named, or null when it named a manifest (kept even when {@code root} is a
 *                single platform's manifest picked from it)
 * @param origin  where it was read from when that is not {@code reference} itself (a mirror, or the location
 *                registries.conf rewrites the name to), else null; names written are always {@code reference}'s
 */
public record ResolvedImage(ImageReference reference, ManifestDocument root, ImageIndex index, List<Image> images,
                            Image primary, ImageReference origin) {

    public ResolvedImage {
        images = List.copyOf(images);
    }

    /** An image read from where its reference says. */
    public ResolvedImage(ImageReference reference, ManifestDocument root, ImageIndex index, List<Image> images,
                         Image primary) {
        this(reference, root, index, images, primary, null);
    }

    /** A reference resolved to one platform's image. */
    public static ResolvedImage single(ImageReference reference, ImageIndex index, Image image) {
        return new ResolvedImage(reference, image.manifest(), index, List.of(image), image);
    }

    /** The same image, read from {@code place} (null: from where its reference says). */
    public ResolvedImage withOrigin(ImageReference place) {
        return new ResolvedImage(reference, root, index, images, primary, place);
    }

    public ImageManifest manifest() {
        return primary.manifest();
    }

    public ImageConfig config() {
        return primary.config();
    }

    /** The digest the reference resolves to: the index's when there is one. */
    public Digest digest() {
        return index != null ? index.digest() : primary.manifest().digest();
    }

    /** Configs and layers of every kept image, each once, in manifest order. */
    public List<Descriptor> blobs() {
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        for (Image image : images) {
            blobs.putIfAbsent(image.manifest().config().digest(), image.manifest().config());
            image.manifest().layers().forEach(layer -> blobs.putIfAbsent(layer.digest(), layer));
        }
        return List.copyOf(blobs.values());
    }

    /** Every manifest and index document under {@code root} that a layout stores, each once. */
    public List<ManifestDocument> documents() {
        Set<Digest> seen = new HashSet<>();
        List<ManifestDocument> documents = new java.util.ArrayList<>();
        if (seen.add(root.digest())) {
            documents.add(root);
        }
        for (Image image : images) {
            if (seen.add(image.manifest().digest())) {
                documents.add(image.manifest());
            }
        }
        return documents;
    }

    /** Docker's familiar {@code name:tag}; an image pulled by digest alone gets no tag, as with docker save. */
    public List<String> repoTags() {
        return reference.tag() == null ? List.of() : List.of(reference.familiarName() + ":" + reference.tag());
    }
}
