package dev.exporter.image;

import java.util.List;

/** The manifest, config and layer media types this tool understands. */
public final class MediaTypes {

    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    /** An uncompressed layer, as {@code docker save} stores them; registries rarely serve it. */
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_LAYER_FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String OCI_LAYER_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String OCI_LAYER_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public static final String OCI_LAYER_NONDISTRIBUTABLE_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    /** What we send as {@code Accept} when asking for a manifest: every type we can read, most specific first. */
    public static final List<String> MANIFEST_ACCEPT = List.of(
            OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST);

    private MediaTypes() {
    }

    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
    }

    public static boolean isImageManifest(String mediaType) {
        return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    public static boolean isSchema1(String mediaType) {
        return DOCKER_SCHEMA1.equals(mediaType) || DOCKER_SCHEMA1_SIGNED.equals(mediaType);
    }

    public static boolean isLayer(String mediaType) {
        return switch (mediaType) {
            case DOCKER_LAYER_GZIP, DOCKER_LAYER_FOREIGN, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD,
                    OCI_LAYER_NONDISTRIBUTABLE, OCI_LAYER_NONDISTRIBUTABLE_GZIP, OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
                    DOCKER_LAYER -> true;
            default -> false;
        };
    }

    /** Layer types whose blobs are gzip streams. */
    public static boolean isGzipLayer(String mediaType) {
        return switch (mediaType) {
            case DOCKER_LAYER_GZIP, DOCKER_LAYER_FOREIGN, OCI_LAYER_GZIP, OCI_LAYER_NONDISTRIBUTABLE_GZIP -> true;
            default -> false;
        };
    }

    /** Layer types whose blobs are zstd streams. */
    public static boolean isZstdLayer(String mediaType) {
        return OCI_LAYER_ZSTD.equals(mediaType) || OCI_LAYER_NONDISTRIBUTABLE_ZSTD.equals(mediaType);
    }

    /** Layer types whose blobs are plain tars. */
    public static boolean isUncompressedLayer(String mediaType) {
        return OCI_LAYER.equals(mediaType) || OCI_LAYER_NONDISTRIBUTABLE.equals(mediaType) || DOCKER_LAYER.equals(mediaType);
    }
}
