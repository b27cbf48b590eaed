package dev.exporter.push;

import dev.exporter.image.SourceImage;
import dev.exporter.reference.ImageReference;

import java.util.List;

/**
 * One image of a source and where it goes: every target gets the same content, tagged (or, for a target without a
 * tag, pushed by digest only).
 */
public record PushJob(SourceImage image, List<ImageReference> targets) {

    public PushJob {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a push job needs a target");
        }
        targets = List.copyOf(targets);
    }
}
