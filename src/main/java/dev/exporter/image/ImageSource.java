package dev.exporter.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A place images are read from: an OCI layout (folder or tar), a docker-save archive, a registry. Every blob a
 * source opens is verified as it is read (size and digest, {@code transfer.VerifyingStream}), so a consumer never
 * sees a byte that does not belong to the blob.
 */
public interface ImageSource extends Closeable {

    /** Every image the place holds, in the order it lists them. */
    List<SourceImage> images() throws IOException;

    /**
     * Whether the manifests are made up from the place's own files rather than kept as a registry served them (a
     * docker-save archive keeps none): pushing such an image writes new manifests, and may compress its layers.
     */
    default boolean madeUpManifests() {
        return false;
    }

    /** Opens a blob (config, layer, manifest) named by an image of this source; the stream verifies it. */
    InputStream open(Descriptor blob) throws IOException;
}
