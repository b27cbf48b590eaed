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
public class SegmentedDownloadTest {

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
    private static class Source implements BlobSource {
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

    /**
     * The ranges asked for ({@code from-to}, to exclusive) start at distinct offsets and cover the blob without a gap;
     * the first share of each connection is at most {@code largest}, and a range that starts inside another one
     * (work stealing: its second half, taken over) ends where that one was asked to end, or inside it.
     */
    public static void assertCovers(List<String> ranges, long size, long largest) {
        List<long[]> sorted = ranges.stream().map(r -> r.split("-"))
                .map(p -> new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])})
                .sorted(java.util.Comparator.comparingLong(r -> r[0])).toList();
        long covered = 0;
        for (long[] range : sorted) {
            assertTrue(range[0] == covered || range[0] < covered && range[1] <= covered, ranges.toString());
            assertTrue(range[0] < covered || range[1] - range[0] <= largest, ranges.toString());
            covered = Math.max(covered, range[1]);
        }
        assertEquals(size, covered, ranges.toString());
        assertEquals(sorted.size(), sorted.stream().mapToLong(r -> r[0]).distinct().count(), ranges.toString());
    }

    @Test
    void largeBlob_isFetchedInSegments_andStoredIntact() {
        Source source = new Source(BLOB, true, List.of());
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        try (BlobFetcher fetcher = fetcher(source, store)) {
            Path stored = fetcher.fetch(REPO, DESCRIPTOR).join();
            assertArrayEquals(BLOB, readAll(stored));
        }
        assertCovers(source.requests, BLOB.length, 64 * 1024);
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
    void theTapReadsARange_whileItIsStillArriving() {
        java.util.concurrent.CountDownLatch tapRead = new java.util.concurrent.CountDownLatch(1);
        Source source = new Source(BLOB, true, List.of()) {
            @Override
            public <T> T readRange(ImageReference repository, Descriptor blob, long from, long to, BlobRead<T> read) {
                if (from != 0) {
                    return super.readRange(repository, blob, from, to, read);
                }
                // the first range: half of it, then the rest only once the tap has read some of it
                InputStream body = new java.io.SequenceInputStream(new ByteArrayInputStream(BLOB, 0, (int) (to / 2)),
                        new InputStream() {
                            InputStream rest;

                            @Override
                            public int read() throws IOException {
                                byte[] one = new byte[1];
                                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                            }

                            @Override
                            public int read(byte[] b, int off, int len) throws IOException {
                                if (rest == null) {
                                    try {
                                        assertTrue(tapRead.await(10, java.util.concurrent.TimeUnit.SECONDS),
                                                "the tap read nothing of a range that was not complete");
                                    } catch (InterruptedException e) {
                                        throw new java.io.InterruptedIOException();
                                    }
                                    rest = new ByteArrayInputStream(BLOB, (int) (to / 2), (int) (to - to / 2));
                                }
                                return rest.read(b, off, len);
                            }
                        });
                try {
                    return read.read(0, body);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        };
        ByteArrayOutputStream tapped = new ByteArrayOutputStream();
        try (BlobFetcher fetcher = fetcher(source, new BlobStore(dir.resolve("blobs")))) {
            fetcher.fetch(REPO, DESCRIPTOR, in -> {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) != -1; ) {
                    tapped.write(buf, 0, n);
                    tapRead.countDown();
                }
            }).join();
        }
        assertArrayEquals(BLOB, tapped.toByteArray());
    }

    @Test
    void aSlowRange_isSplit_andAnIdleConnectionFetchesItsSecondHalf() {
        AtomicInteger slowServed = new AtomicInteger();
        Source source = new Source(BLOB, true, List.of()) {
            @Override
            public <T> T readRange(ImageReference repository, Descriptor blob, long from, long to, BlobRead<T> read) {
                if (from != 0) {
                    return super.readRange(repository, blob, from, to, read);
                }
                requests.add(from + "-" + to);
                // the first range trickles in, 1 KiB a millisecond, while the others come at once
                InputStream slow = new ByteArrayInputStream(BLOB, 0, (int) to) {
                    @Override
                    public synchronized int read(byte[] b, int off, int len) {
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        int n = super.read(b, off, Math.min(len, 1024));
                        slowServed.addAndGet(Math.max(0, n));
                        return n;
                    }
                };
                try {
                    return read.read(0, slow);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        };
        try (BlobFetcher fetcher = fetcher(source, new BlobStore(dir.resolve("blobs")))) {
            assertArrayEquals(BLOB, readAll(fetcher.fetch(REPO, DESCRIPTOR).join()));
        }
        assertCovers(source.requests, BLOB.length, 64 * 1024);
        assertTrue(source.requests.stream().anyMatch(r -> {
            long at = Long.parseLong(r.split("-")[0]);
            return at > 0 && at < 64 * 1024;
        }), "a second half of the slow range was taken over: " + source.requests);
        assertTrue(slowServed.get() < 64 * 1024, "the slow range stopped where its thief began: " + slowServed);
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
