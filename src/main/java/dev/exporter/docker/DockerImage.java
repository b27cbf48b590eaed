package dev.exporter.docker;

import dev.exporter.image.ImageConfig;

import java.util.List;

/**
 * One image for a {@code docker save} archive.
 *
 * @param repoTags   familiar {@code name:tag} strings; empty for an image pulled by digest only
 * @param layerTars  the uncompressed layers, in order: files already checked against the config's diff ids, or
 *                   holes to be filled in place
 */
public record DockerImage(ImageConfig config, List<String> repoTags, List<LayerTar> layerTars) {

    public DockerImage {
        repoTags = List.copyOf(repoTags);
        layerTars = List.copyOf(layerTars);
        if (layerTars.size() != config.diffIds().size()) {
            throw new IllegalArgumentException("image " + config.digest() + " has " + layerTars.size()
                    + " layers but its config lists " + config.diffIds().size() + " diff ids");
        }
    }
}
