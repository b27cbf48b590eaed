package dev.exporter.docker;

import dev.exporter.image.BlobSource;
import dev.exporter.image.ExportPlan;
import dev.exporter.image.Image;
import dev.exporter.image.ImageConfig;
import dev.exporter.image.ImageManifest;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ResolvedImage;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.Layer;
import dev.exporter.testing.MemoryBlobSource;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import dev.exporter.transfer.ArchiveOutput;
import dev.exporter.transfer.Downloads;
import dev.exporter.transfer.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The limits on small layers fetched whole before the layout: past the spill budget (or the per-blob size) a
 * layer's trailer is read instead, and either way the archive is the one written front to back.
 */
class SmallLayersBudgetTest {

    @TempDir
    Path dir;

    private static MemoryBlobSource source(TestImage image) {
        Map<Digest, byte[]> blobs = new HashMap<>();
        image.blobs().forEach((digest, content) -> blobs.put(Digest.parse(digest), content));
        return new MemoryBlobSource(blobs, true);
    }

    private static ExportPlan plan(TestImage image, BlobSource source) {
        ImageManifest manifest = (ImageManifest) ManifestDocument.parse(image.manifestBytes(), null, "manifest");
        Digest config = Digest.parse(image.configDigest());
        ResolvedImage resolved = ResolvedImage.single(ImageReference.parse("registry.test/small/budget:1"), null,
                new Image(manifest, ImageConfig.parse(image.configBytes(), config, "config")));
        return new ExportPlan(List.of(resolved), source);
    }

    private Downloads downloads(BlobSource source) throws IOException {
        return new Downloads(source, 3, Files.createTempDirectory(dir, "work"), null, ProgressListener.NONE);
    }

    private byte[] toFile(TestImage image, MemoryBlobSource source, LayerSizes.SmallLayers small) throws IOException {
        Path out = dir.resolve("out-" + System.nanoTime() + ".tar");
        Downloads downloads = downloads(source);
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            new DockerArchiveSink(ArchiveOutput.file(channel, out), small).write(plan(image, source), downloads);
        }
        return Files.readAllBytes(out);
    }

    private byte[] toStream(TestImage image) throws IOException {
        MemoryBlobSource source = source(image);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DockerArchiveSink(ArchiveOutput.stream(Channels.newChannel(out))).write(plan(image, source), downloads(source));
        return out.toByteArray();
    }

    private static long spill(TestImage image, int layers) {
        return image.layers().stream().limit(layers).mapToLong(Layer::size).sum();
    }

    @Test
    void moreSmallLayersThanTheBudget_readTrailersForTheRest_andWriteTheSameArchive() throws IOException {
        TestImage image = TestImages.manyLayers(ImageFormat.DOCKER, 12);
        MemoryBlobSource source = source(image);

        byte[] archive = toFile(image, source, new LayerSizes.SmallLayers(1024 * 1024, spill(image, 5)));

        assertArrayEquals(toStream(image), archive);
        List<Digest> layers = image.layers().stream().map(l -> Digest.parse(l.digest())).toList();
        assertEquals(Set.copyOf(layers.subList(5, 12)), source.tailed, "trailers read past the budget only");
        assertEquals(layers.size(), source.reads.get(), "every layer read once");
    }

    @Test
    void noBudget_readsEveryTrailer_andWritesTheSameArchive() throws IOException {
        TestImage image = TestImages.manyLayers(ImageFormat.DOCKER, 6);
        MemoryBlobSource source = source(image);

        byte[] archive = toFile(image, source, new LayerSizes.SmallLayers(1024 * 1024, 0));

        assertArrayEquals(toStream(image), archive);
        assertEquals(image.layers().size(), source.tailed.size());
    }

    @Test
    void smallLayersWithinTheBudget_needNoTrailer() throws IOException {
        TestImage image = TestImages.manyLayers(ImageFormat.DOCKER, 6);
        MemoryBlobSource source = source(image);

        byte[] archive = toFile(image, source, LayerSizes.SmallLayers.DEFAULT);

        assertArrayEquals(toStream(image), archive);
        assertEquals(Set.of(), source.tailed);
        assertEquals(image.layers().size(), source.read.size());
    }
}
