package dev.exporter.testing;

import java.util.List;
import java.util.Random;

/** Ready-made deterministic fixtures; build anything else with {@link ImageBuilder}. */
public final class TestImages {

    private TestImages() {
    }

    /** {@link #small(ImageFormat, String)} with seed "small". */
    public static TestImage small(ImageFormat format) {
        return small(format, "small");
    }

    /**
     * Three gzip layers (a base with directories and a symlink, a text file, 64 KiB of
     * pseudo-random data). Different seeds give different layers, equal seeds equal images.
     */
    public static TestImage small(ImageFormat format, String seed) {
        return small(format, seed, 64 * 1024);
    }

    /** {@link #small(ImageFormat, String)} with {@code randomBytes} of pseudo-random data in the third layer. */
    public static TestImage small(ImageFormat format, String seed, int randomBytes) {
        return ImageBuilder.of(format)
                .layer(LayerSpec.empty()
                        .file("etc/os-release", "ID=exporter-test\nSEED=" + seed + "\n")
                        .directory("tmp")
                        .symlink("bin/hello", "../app/hello.txt"), Compression.GZIP)
                .layer(LayerSpec.empty().file("app/hello.txt", "hello from " + seed + "\n"), Compression.GZIP)
                .layer(LayerSpec.empty().file("app/data.bin", randomBytes(seed, randomBytes)), Compression.GZIP)
                .cmd("/bin/hello")
                .label("org.opencontainers.image.title", seed)
                .build();
    }

    /** {@code count} gzip layers of one small file each ({@code layers/NNN.txt}). */
    public static TestImage manyLayers(ImageFormat format, int count) {
        ImageBuilder builder = ImageBuilder.of(format);
        for (int i = 0; i < count; i++) {
            String name = String.format("layers/%03d.txt", i);
            builder.layer(LayerSpec.empty().file(name, "layer " + i + "\n"), Compression.GZIP);
        }
        return builder.build();
    }

    /**
     * Layers A, empty tar, A again (the same blob and diff_id twice in the manifest and rootfs),
     * B, plus an {@code empty_layer} history entry between them.
     */
    public static TestImage repeatedAndEmptyLayers(ImageFormat format) {
        Layer repeated = LayerSpec.empty().file("repeated.txt", "I appear twice\n").build(format, Compression.GZIP);
        return ImageBuilder.of(format)
                .layer(repeated)
                .layer(LayerSpec.empty(), Compression.GZIP)
                .emptyLayerHistory("ENV MODE=test")
                .env("MODE=test")
                .layer(repeated)
                .layer(LayerSpec.empty().file("last.txt", "last\n"), Compression.GZIP)
                .build();
    }

    /** OCI image with two zstd layers and one gzip layer (registries often mix them). */
    public static TestImage zstd() {
        return ImageBuilder.of(ImageFormat.OCI)
                .layer(LayerSpec.empty().file("zstd/one.txt", "first zstd layer\n"), Compression.ZSTD)
                .layer(LayerSpec.empty().file("gzip/two.txt", "a gzip layer\n"), Compression.GZIP)
                .layer(LayerSpec.empty().file("zstd/three.bin", randomBytes("zstd", 16 * 1024)), Compression.ZSTD)
                .build();
    }

    /**
     * Index (OCI) or manifest list (Docker) with linux/amd64, linux/arm64/v8 and linux/arm/v7
     * children, in that order, each with its own content.
     */
    public static TestIndex multiPlatform(ImageFormat format) {
        List<TestImage> children = List.of("linux/amd64", "linux/arm64/v8", "linux/arm/v7").stream()
                .map(platform -> ImageBuilder.of(format)
                        .platform(Platform.parse(platform))
                        .layer(LayerSpec.empty().file("etc/platform", platform + "\n"), Compression.GZIP)
                        .layer(LayerSpec.empty().file("app/" + platform.replace('/', '-') + ".txt", platform),
                                Compression.GZIP)
                        .build())
                .toList();
        return TestIndex.of(format, children);
    }

    /** Pseudo-random (hence incompressible) bytes, identical for equal arguments. */
    static byte[] randomBytes(String seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed.hashCode()).nextBytes(bytes);
        return bytes;
    }
}
