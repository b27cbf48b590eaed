package dev.exporter.testing;

/** Manifest flavour of a test image: Docker image manifest v2 schema 2 or OCI image spec v1. */
public enum ImageFormat {
    DOCKER("application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.container.image.v1+json"),
    OCI("application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.config.v1+json");

    private final String manifestMediaType;
    private final String indexMediaType;
    private final String configMediaType;

    ImageFormat(String manifestMediaType, String indexMediaType, String configMediaType) {
        this.manifestMediaType = manifestMediaType;
        this.indexMediaType = indexMediaType;
        this.configMediaType = configMediaType;
    }

    public String manifestMediaType() {
        return manifestMediaType;
    }

    /** Docker manifest list or OCI image index. */
    public String indexMediaType() {
        return indexMediaType;
    }

    public String configMediaType() {
        return configMediaType;
    }

    /**
     * Layer media type for {@code compression}. Docker schema 2 has no zstd type, so zstd layers
     * are only allowed in OCI images.
     */
    public String layerMediaType(Compression compression) {
        if (this == DOCKER) {
            return switch (compression) {
                case NONE -> "application/vnd.docker.image.rootfs.diff.tar";
                case GZIP -> "application/vnd.docker.image.rootfs.diff.tar.gzip";
                case ZSTD -> throw new IllegalArgumentException("Docker schema 2 has no zstd layer type; use OCI");
            };
        }
        return switch (compression) {
            case NONE -> "application/vnd.oci.image.layer.v1.tar";
            case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
            case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
        };
    }
}
