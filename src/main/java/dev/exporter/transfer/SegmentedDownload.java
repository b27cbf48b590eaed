package dev.exporter.transfer;

import dev.exporter.image.BlobSource;
import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.ImageReference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * One large blob fetched as several byte ranges over parallel connections, for links where one connection is
 * slower than the whole (per-flow caps, TCP windows over long round trips). Each segment lands at its offset in the
 * landing's file and resumes on its own after a broken connection; the blob is read back in order as the segments
 * complete, through the {@link VerifyingStream} (and the download's {@link Tap}), so digest and size are checked
 * over the whole blob exactly as for one stream. A source that does not serve ranges throws
 * {@link BlobSource.RangesNotServed}, and the caller reads the blob as one stream instead.
 */
final class SegmentedDownload {

    private static final int BUFFER = 256 * 1024;

    private final BlobSource source;
    private final ImageReference repository;
    private final Descriptor blob;
    private final Landing.Region region;
    private final long segmentSize;
    private final ProgressListener progress;
    private final String action;
    private final List<Segment> segments = new ArrayList<>();
    private volatile boolean aborted;

    SegmentedDownload(BlobSource source, ImageReference repository, Descriptor blob, Landing.Region region,
                      long segmentSize, ProgressListener progress) {
        this.source = source;
        this.repository = repository;
        this.blob = blob;
        this.region = region;
        this.segmentSize = segmentSize;
        this.progress = progress;
        this.action = source.describe(repository, blob);
    }

    /** Downloads every segment on {@code pool} and reads the blob back in order into {@code tap} (may be null). */
    void run(ExecutorService pool, Tap tap) throws IOException {
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (long from = 0; from < blob.size(); from += segmentSize) {
            Segment segment = new Segment(from, Math.min(blob.size(), from + segmentSize));
            segments.add(segment);
            parts.add(CompletableFuture.supplyAsync(() -> source.readRange(repository, blob, segment.from, segment.to,
                    segment), pool));
        }
        try (FileChannel file = FileChannel.open(region.file(), StandardOpenOption.READ);
             VerifyingStream verified = VerifyingStream.of(new InOrder(file, parts), blob.digest(), blob.size(), action)) {
            if (tap != null) {
                try {
                    tap.consume(verified);
                } catch (IOException consumerFailure) {
                    // As for one stream: finish and verify; a digest mismatch is the real error then.
                }
            }
            verified.drain();
        } catch (RuntimeException | IOException e) {
            // No segment may write after this returns: the caller reuses or removes the file.
            aborted = true;
            for (CompletableFuture<Void> part : parts) {
                try {
                    part.join();
                } catch (RuntimeException ignored) {
                    // the first failure is the one reported
                }
            }
            throw e;
        }
    }

    /** Bytes reported to the listener so far, to take back if the blob is read again as one stream. */
    long reported() {
        return segments.stream().mapToLong(s -> s.written).sum();
    }

    /** One byte range, written at its offset; after a broken connection it asks for its own rest. */
    private final class Segment implements BlobSource.BlobRead<Void> {
        final long from;
        final long to;
        volatile long written;

        Segment(long from, long to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public long resumeAt() {
            return from + written;
        }

        @Override
        public Void read(long offset, InputStream body) throws IOException {
            if (offset != from + written) {
                throw new ContentException(action + ": segment answer starts at " + offset + ", not " + (from + written));
            }
            try (FileChannel out = local(() -> FileChannel.open(region.file(), StandardOpenOption.WRITE))) {
                byte[] buf = new byte[BUFFER];
                for (int n; (n = body.read(buf)) != -1; ) {
                    if (aborted) {
                        throw new ContentException(action + ": stopped, another segment failed");
                    }
                    if (from + written + n > to) {
                        throw new ContentException(action + ": sent more than the " + (to - from) + " bytes asked for");
                    }
                    ByteBuffer bytes = ByteBuffer.wrap(buf, 0, n);
                    long at = region.start() + from + written;
                    local(() -> {
                        while (bytes.hasRemaining()) {
                            out.write(bytes, at + bytes.position());
                        }
                        return null;
                    });
                    written += n;
                    progress.transferred(blob, n);
                }
            }
            if (from + written < to) {
                throw new VerifyingStream.Truncated("content ended after " + (from + written) + " of bytes "
                        + from + "-" + (to - 1));
            }
            return null;
        }
    }

    private <T> T local(DiskWrite<T> write) {
        return DiskWrite.run(action, region.file(), write);
    }

    /** The blob read back from the file in order, each segment once it is complete. */
    private final class InOrder extends InputStream {
        private final FileChannel file;
        private final List<CompletableFuture<Void>> parts;
        private long position;

        InOrder(FileChannel file, List<CompletableFuture<Void>> parts) {
            this.file = file;
            this.parts = parts;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (position >= blob.size()) {
                return -1;
            }
            int index = (int) (position / segmentSize);
            try {
                parts.get(index).join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            long segmentEnd = Math.min(blob.size(), (index + 1) * segmentSize);
            int n = file.read(ByteBuffer.wrap(buf, off, (int) Math.min(len, segmentEnd - position)), region.start() + position);
            if (n < 0) {
                throw new IOException("read back " + region.file() + ": ended at " + position);
            }
            position += n;
            return n;
        }
    }
}
