package dev.exporter.image;

import java.util.List;

/**
 * One named entry of a place that holds images: what the name points at ({@code root}: an index, or one image's
 * manifest) and the images under it that the place holds.
 *
 * @param names  the references it was saved under, as written there (e.g. {@code docker.io/library/alpine:3.14},
 *               or docker's familiar {@code alpine:3.14}); empty when it has none
 * @param root   an index, or the single image's manifest (for a docker-save archive, a manifest made up from
 *               the archive's own files, see {@link ImageSource})
 * @param images every platform image under {@code root} whose blobs the place holds
 */
public record SourceImage(List<String> names, ManifestDocument root, List<Image> images) {

    public SourceImage {
        names = List.copyOf(names);
        images = List.copyOf(images);
    }
}
