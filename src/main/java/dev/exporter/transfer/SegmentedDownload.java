package dev.exporter.transfer;

import dev.exporter.image.BlobSource;
import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.ImageReference;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * One large blob fetched as byte ranges over parallel connections, for links where one connection is slower than the
 * whole (per-flow caps, TCP windows over long round trips). Each of {@code workers} connections claims the next
 * range, fetches it to its offset in the landing's file, and claims again until the blob is all claimed; ranges
 * shrink with the blob's unclaimed rest (the rest over twice the connections, between an eighth of the segment
 * size and the segment size), so the connections finish together instead of one last range crawling alone. A range
 * resumes on its own after a broken connection. The blob is read back in order as the bytes land (not only once a
 * range is complete), through the {@link VerifyingStream} (and the download's {@link Tap}), so digest and size are
 * checked over the whole blob exactly as for one stream, while it downloads. A source that does not serve ranges
 * throws {@link BlobSource.RangesNotServed}, and the caller reads the blob as one stream instead.
 */
final class SegmentedDownload {

    private static final int BUFFER = 256 * 1024;

    private final BlobSource source;
    private final ImageReference repository;
    private final Descriptor blob;
    private final Landing.Region region;
    private final long largest;
    private final long smallest;
    private final ProgressListener progress;
    private final String action;
    /** The ranges claimed so far, in blob order; guarded by {@code this}, as are the two fields below. */
    private final List<Segment> segments = new ArrayList<>();
    private long claimed;
    private RuntimeException failure;
    private int workers;
    private volatile boolean aborted;

    SegmentedDownload(BlobSource source, ImageReference repository, Descriptor blob, Landing.Region region,
                      long segmentSize, ProgressListener progress) {
        this.source = source;
        this.repository = repository;
        this.blob = blob;
        this.region = region;
        this.largest = Math.max(1, segmentSize);
        this.smallest = Math.max(1, segmentSize / 8);
        this.progress = progress;
        this.action = source.describe(repository, blob);
    }

    /**
     * Downloads the blob over {@code connections} workers on {@code pool} and reads it back in order into
     * {@code tap} (may be null).
     */
    void run(ExecutorService pool, int connections, Tap tap) throws IOException {
        workers = Math.max(1, connections);
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            running.add(CompletableFuture.runAsync(this::work, pool));
        }
        try (FileChannel file = FileChannel.open(region.file(), StandardOpenOption.READ);
             VerifyingStream verified = VerifyingStream.of(new InOrder(file), blob.digest(), blob.size(), action)) {
            if (tap != null) {
                try {
                    tap.consume(verified);
                } catch (IOException consumerFailure) {
                    // As for one stream: finish and verify; a digest mismatch is the real error then.
                }
            }
            verified.drain();
        } catch (RuntimeException | IOException e) {
            aborted = true;
            throw e;
        } finally {
            // No range may write after this returns: the caller reuses or removes the file.
            for (CompletableFuture<Void> worker : running) {
                try {
                    worker.join();
                } catch (RuntimeException ignored) {
                    // the first failure is the one the reader reported
                }
            }
        }
    }

    /** Bytes reported to the listener so far, to take back if the blob is read again as one stream. */
    synchronized long reported() {
        return segments.stream().mapToLong(s -> s.written).sum();
    }

    /** One connection's work: the next range, until none is left or another one failed. */
    private void work() {
        for (Segment segment; !aborted && (segment = claim()) != null; ) {
            try {
                source.readRange(repository, blob, segment.from, segment.to, segment);
            } catch (RuntimeException e) {
                fail(e);
                throw e;
            }
        }
    }

    private synchronized Segment claim() {
        long rest = blob.size() - claimed;
        if (rest <= 0 || failure != null) {
            return null;
        }
        long size = Math.min(rest, Math.max(smallest, Math.min(largest, rest / (2L * workers))));
        Segment segment = new Segment(claimed, claimed + size);
        claimed += size;
        segments.add(segment);
        return segment;
    }

    private synchronized void fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        aborted = true;
        notifyAll();
    }

    private synchronized Segment segment(int index) {
        return segments.get(index);
    }

    private synchronized void landed() {
        notifyAll();
    }

    /**
     * The index of the range holding byte {@code position} once that byte has landed, searching from range
     * {@code index} on (ranges are claimed in order and follow each other); fails as the download failed.
     */
    private synchronized int waitFor(int index, long position) throws IOException {
        while (true) {
            if (failure != null) {
                throw failure;
            }
            while (index < segments.size() && segments.get(index).to <= position) {
                index++;
            }
            if (index < segments.size() && segments.get(index).from + segments.get(index).written > position) {
                return index;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(action + ": interrupted");
            }
        }
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
                    // written is volatile and set after the write: a reader that sees it finds the bytes in the file
                    written += n;
                    landed();
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

    /** The blob read back from the file in order, as far as its bytes have landed. */
    private final class InOrder extends InputStream {
        private final FileChannel file;
        private long position;
        private int index;

        InOrder(FileChannel file) {
            this.file = file;
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
            if (len == 0) {
                return 0;
            }
            index = waitFor(index, position);
            Segment segment = segment(index);
            long landed = segment.from + segment.written - position;
            int n = file.read(ByteBuffer.wrap(buf, off, (int) Math.min(len, landed)), region.start() + position);
            if (n < 0) {
                throw new IOException("read back " + region.file() + ": ended at " + position);
            }
            position += n;
            return n;
        }
    }
}
