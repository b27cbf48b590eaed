package dev.exporter.transfer;

import dev.exporter.image.BlobSource;
import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Large blobs fetched as parallel byte ranges: same bytes as one stream, fallback, resume, verification. */
class SegmentedDownloadTest {

    private static final ImageReference REPO = ImageReference.parse("registry.test/app:1");
    private static final byte[] BLOB = new byte[1_000_003];
    private static final Descriptor DESCRIPTOR;

    static {
        new Random(7).nextBytes(BLOB);
        DESCRIPTOR = Descriptor.of("application/vnd.oci.image.layer.v1.tar", Digest.sha256Of(BLOB), BLOB.length);
    }

    @TempDir
    Path dir;

    /** Serves {@code content}; ranges when {@code ranges}; the first answer for each range start in {@code cut} is cut short. */
    private static final class Source implements BlobSource {
        final byte[] content;
        final boolean ranges;
        final List<Long> cut;
        final List<String> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger whole = new AtomicInteger();

        Source(byte[] content, boolean ranges, List<Long> cut) {
            this.content = content;
            this.ranges = ranges;
            this.cut = new CopyOnWriteArrayList<>(cut);
        }

        @Override
        public <T> T read(ImageReference repository, Descriptor blob, BlobRead<T> read) {
            whole.incrementAndGet();
            try {
                return read.read(0, new ByteArrayInputStream(content));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public <T> T readRange(ImageReference repository, Descriptor blob, long from, long to, BlobRead<T> read) {
            if (!ranges) {
                return BlobSource.super.readRange(repository, blob, from, to, read);
            }
            for (int attempt = 0; ; attempt++) {
                long at = Math.max(from, read.resumeAt());
                requests.add(at + "-" + to);
                int end = (int) (cut.remove(Long.valueOf(at)) ? at + (to - at) / 2 : to);
                try {
                    return read.read(at, new ByteArrayInputStream(Arrays.copyOfRange(content, (int) at, end)));
                } catch (IOException broken) {
                    assertTrue(attempt < 3, "resumed within a few attempts");
                }
            }
        }

        @Override
        public String describe(ImageReference repository, Descriptor blob) {
            return "read blob " + blob.digest();
        }
    }

    private static BlobFetcher fetcher(Source source, BlobStore store) {
        return new BlobFetcher(source, store, 3, ProgressListener.NONE, 100_000, 64 * 1024);
    }

    @Test
    void largeBlob_isFetchedInSegments_andStoredIntact() {
        Source source = new Source(BLOB, true, List.of());
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        try (BlobFetcher fetcher = fetcher(source, store)) {
            Path stored = fetcher.fetch(REPO, DESCRIPTOR).join();
            assertArrayEquals(BLOB, readAll(stored));
        }
        assertEquals(16, source.requests.size(), source.requests.toString());
        assertEquals(0, source.whole.get());
    }

    @Test
    void tap_seesTheWholeBlobInOrder_andARegionIsFilledInPlace() throws IOException {
        Source source = new Source(BLOB, true, List.of());
        Path archive = dir.resolve("archive");
        try (FileChannel f = FileChannel.open(archive, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[BLOB.length + 200]));
        }
        ByteArrayOutputStream tapped = new ByteArrayOutputStream();
        try (BlobFetcher fetcher = fetcher(source, new BlobStore(dir.resolve("blobs")))) {
            fetcher.download(REPO, DESCRIPTOR, Landing.region(archive, 100), in -> in.transferTo(tapped)).join();
        }
        assertArrayEquals(BLOB, tapped.toByteArray());
        assertArrayEquals(BLOB, Arrays.copyOfRange(readAll(archive), 100, 100 + BLOB.length));
    }

    @Test
    void sourceWithoutRanges_fallsBackToOneStream() {
        Source source = new Source(BLOB, false, List.of());
        try (BlobFetcher fetcher = fetcher(source, new BlobStore(dir.resolve("blobs")))) {
            assertArrayEquals(BLOB, readAll(fetcher.fetch(REPO, DESCRIPTOR).join()));
        }
        assertEquals(1, source.whole.get());
    }

    @Test
    void brokenSegment_resumesFromWhereItStopped() {
        Source source = new Source(BLOB, true, List.of(65536L * 3));
        try (BlobFetcher fetcher = fetcher(source, new BlobStore(dir.resolve("blobs")))) {
            assertArrayEquals(BLOB, readAll(fetcher.fetch(REPO, DESCRIPTOR).join()));
        }
        long resumedAt = 65536L * 3 + 65536 / 2;
        assertTrue(source.requests.contains(resumedAt + "-" + 65536L * 4), source.requests.toString());
    }

    @Test
    void wrongBytesInASegment_failTheDigest_andLeaveNothingStored() throws IOException {
        byte[] other = BLOB.clone();
        other[500_000] ^= 1;
        Source source = new Source(other, true, List.of());
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        try (BlobFetcher fetcher = fetcher(source, store)) {
            CompletionException e = assertThrows(CompletionException.class, () -> fetcher.fetch(REPO, DESCRIPTOR).join());
            assertTrue(e.getCause() instanceof ContentException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("digest mismatch"), e.getCause().getMessage());
        }
        try (var files = Files.walk(dir.resolve("blobs"))) {
            assertEquals(0, files.filter(Files::isRegularFile).count(), "no partial and no blob left");
        }
    }

    private static byte[] readAll(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
