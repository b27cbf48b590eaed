package dev.exporter.cli;

/** The archive formats {@code --format} offers. */
enum OutputFormat {
    /** The classic {@code docker save} archive. */
    docker,
    /** An OCI image layout in a tar, with docker's manifest.json. */
    oci,
    /** The same OCI image layout as a folder that later exports add to. */
    oci_dir;

    /** Accepts the documented spelling {@code oci-dir}. */
    static OutputFormat parse(String text) {
        return valueOf(text.replace('-', '_'));
    }

    @Override
    public String toString() {
        return name().replace('_', '-');
    }
}
