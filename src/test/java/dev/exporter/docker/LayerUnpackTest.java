package dev.exporter.docker;

import dev.exporter.image.BlobSource;
import dev.exporter.image.Descriptor;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.transfer.BlobFetcher;
import dev.exporter.transfer.BlobStore;
import dev.exporter.transfer.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a cache, a layer large enough for parallel segments lands in the run's work folder while it is unpacked
 * (the segments need a file to land in) and is gone as soon as it is; a smaller one only streams through.
 */
class LayerUnpackTest {

    private static final ImageReference REPO = ImageReference.parse("registry.test/app:1");
    private static final byte[] TAR = new byte[600 * 1024];
    private static final byte[] GZIP;

    static {
        Random random = new Random(3);
        for (int i = 0; i < TAR.length; i++) {
            TAR[i] = (byte) (i % 7 == 0 ? random.nextInt() : 'a' + i % 13);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(TAR);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        GZIP = out.toByteArray();
    }

    private static final Descriptor LAYER = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256Of(GZIP), GZIP.length);

    @TempDir
    Path dir;

    /** Serves the layer, ranges included; with {@code brokenFrom} >= 0 every range from there on fails. */
    private static final class Source implements BlobSource {
        final List<String> ranges = new CopyOnWriteArrayList<>();
        final long brokenFrom;

        Source(long brokenFrom) {
            this.brokenFrom = brokenFrom;
        }

        @Override
        public <T> T read(ImageReference repository, Descriptor blob, BlobRead<T> read) {
            try {
                return read.read(0, new ByteArrayInputStream(GZIP));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public <T> T readRange(ImageReference repository, Descriptor blob, long from, long to, BlobRead<T> read) {
            ranges.add(from + "-" + to);
            if (brokenFrom >= 0 && from >= brokenFrom) {
                throw new java.io.UncheckedIOException(new IOException("connection reset"));
            }
            try {
                return read.read(from, new ByteArrayInputStream(Arrays.copyOfRange(GZIP, (int) from, (int) to)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public String describe(ImageReference repository, Descriptor blob) {
            return "read blob " + blob.digest();
        }
    }

    private long filesIn(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return 0;
        }
        try (var files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private LayerUnpack.Unpacked unpack(Source source, long threshold) {
        try (BlobFetcher fetcher = new BlobFetcher(source, new BlobStore(dir.resolve("work/blobs")), 3,
                ProgressListener.NONE, threshold, 32 * 1024)) {
            return LayerUnpack.start(fetcher, false, REPO, LAYER, LayerUnpack.Target.temporary(dir.resolve("layer.tar")))
                    .join();
        }
    }

    @Test
    void aLargeLayer_comesInSegments_unpacksIntact_andLeavesNothingInTheWorkFolder() throws IOException {
        Source source = new Source(-1);

        LayerUnpack.Unpacked unpacked = unpack(source, 1024);

        assertArrayEquals(TAR, Files.readAllBytes(unpacked.tar()));
        assertEquals(Digest.sha256Of(TAR), unpacked.diffId());
        assertTrue(source.ranges.size() > 1, source.ranges.toString());
        assertEquals(0, filesIn(dir.resolve("work")), "the compressed copy is gone");
    }

    @Test
    void aSmallLayer_onlyStreamsThrough() throws IOException {
        Source source = new Source(-1);

        LayerUnpack.Unpacked unpacked = unpack(source, Long.MAX_VALUE);

        assertArrayEquals(TAR, Files.readAllBytes(unpacked.tar()));
        assertEquals(List.of(), source.ranges);
        assertEquals(0, filesIn(dir.resolve("work")));
    }

    @Test
    void aSegmentThatKeepsFailing_failsTheLayer_andLeavesNoPartial() throws IOException {
        Source source = new Source(GZIP.length / 2);

        CompletionException e = assertThrows(CompletionException.class, () -> unpack(source, 1024));

        assertTrue(String.valueOf(e.getCause().getMessage()).contains("connection reset"), String.valueOf(e.getCause()));
        assertEquals(0, filesIn(dir.resolve("work")), "no partial left");
    }
}
