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
 * range (an equal share of the blob, at most the segment size), fetches it to its offset in the landing's file, and
 * claims again. Once the blob is all claimed, a connection that runs out of work takes over the second half of the
 * largest rest still arriving (work stealing): the range it came from ends there, and its connection stops reading
 * (and is closed) when it gets there. So each connection asks for few ranges (every request costs a round trip, and
 * connections that finish equal ranges together would all wait for their next answers at once), and they finish
 * together instead of one last range crawling alone. A range resumes on its own after a broken connection. The
 * blob is read back in order as the bytes land (not only once a range is complete), through the
 * {@link VerifyingStream} (and the download's {@link Tap}), so digest and size are checked over the whole blob
 * exactly as for one stream, while it downloads. A source that does not serve ranges throws
 * {@link BlobSource.RangesNotServed}, and the caller reads the blob as one stream instead.
 */
final class SegmentedDownload {

    private static final int BUFFER = 256 * 1024;

    private final BlobSource source;
    private final ImageReference repository;
    private final Descriptor blob;
    private final Landing.Region region;
    private final long largest;
    /** A rest smaller than twice this is not worth another request. */
    private final long smallest;
    private final ProgressListener progress;
    private final String action;
    /** The ranges claimed so far, in blob order; guarded by {@code this}, as are the four fields below. */
    private final List<Segment> segments = new ArrayList<>();
    private long claimed;
    private RuntimeException failure;
    private int workers;
    /** Where the in-order reader found its last range. */
    private int hint;
    /** Set (also without the lock) once the blob will not be complete: writers stop. */
    private volatile boolean aborted;

    SegmentedDownload(BlobSource source, ImageReference repository, Descriptor blob, Landing.Region region,
                      long segmentSize, ProgressListener progress) {
        this.source = source;
        this.repository = repository;
        this.blob = blob;
        this.region = region;
        this.largest = Math.max(1, segmentSize);
        this.smallest = Math.max(1, segmentSize / 32);
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
                source.readRange(repository, blob, segment.from, segment.end, segment);
            } catch (RuntimeException e) {
                fail(e);
                throw e;
            }
        }
    }

    /** The next range to fetch: the next share of the unclaimed rest, else half of the largest rest in flight. */
    private synchronized Segment claim() {
        if (failure != null) {
            return null;
        }
        long rest = blob.size() - claimed;
        if (rest > 0) {
            long share = Math.min(largest, (blob.size() + workers - 1) / workers);
            Segment segment = new Segment(claimed, claimed + Math.min(rest, share));
            claimed = segment.end;
            segments.add(segment);
            return segment;
        }
        int victim = -1;
        for (int i = 0; i < segments.size(); i++) {
            if (victim < 0 || segments.get(i).unreserved() > segments.get(victim).unreserved()) {
                victim = i;
            }
        }
        Segment from = segments.get(victim);
        if (from.unreserved() < 2 * smallest) {
            return null;
        }
        long middle = from.to - from.unreserved() / 2;
        Segment stolen = new Segment(middle, from.to);
        from.to = middle;
        segments.add(victim + 1, stolen);
        return stolen;
    }

    /**
     * How many of the {@code n} bytes that {@code segment} just received it may write: none beyond its end, which
     * a thief may have moved back (but never below what is reserved here).
     */
    private synchronized int reserve(Segment segment, int n) {
        int take = (int) Math.min(n, segment.to - segment.from - segment.written);
        segment.reserved = segment.written + take;
        return take;
    }

    private synchronized void fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        aborted = true;
        notifyAll();
    }

    private synchronized boolean complete(Segment segment) {
        return segment.from + segment.written >= segment.to;
    }

    private synchronized void landed(Segment segment, int n) {
        segment.written += n;
        notifyAll();
    }

    /**
     * How many bytes from {@code position} on have landed (at least one), waiting until some have; fails as the
     * download failed. The search starts at {@code hint}: ranges follow each other in blob order, and a stolen half
     * goes in right after the range it came from, which the reader has not passed yet.
     */
    private synchronized long waitFor(long position) throws IOException {
        while (true) {
            if (failure != null) {
                throw failure;
            }
            while (hint > 0 && hint < segments.size() && segments.get(hint).from > position) {
                hint--;
            }
            while (hint < segments.size() && segments.get(hint).to <= position) {
                hint++;
            }
            if (hint < segments.size()) {
                Segment segment = segments.get(hint);
                long landed = segment.from + segment.written - position;
                if (landed > 0) {
                    return landed;
                }
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(action + ": interrupted");
            }
        }
    }

    /**
     * One byte range, written at its offset; after a broken connection it asks for its own rest. It was asked for
     * up to {@code end}, and stops at {@code to}, which a thief may move back; {@code to} and {@code reserved} (the
     * bytes it is about to have written) are guarded by the download's lock.
     */
    private final class Segment implements BlobSource.BlobRead<Void> {
        final long from;
        final long end;
        long to;
        long reserved;
        /** Volatile and set after the write: a reader that sees it finds the bytes in the file. */
        volatile long written;

        Segment(long from, long end) {
            this.from = from;
            this.end = end;
            this.to = end;
        }

        /** The bytes still to come that no write has reserved: what a thief may take half of. */
        long unreserved() {
            return to - from - reserved;
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
                    if (from + written + n > end) {
                        throw new ContentException(action + ": sent more than the " + (end - from) + " bytes asked for");
                    }
                    int take = reserve(this, n);
                    ByteBuffer bytes = ByteBuffer.wrap(buf, 0, take);
                    long at = region.start() + from + written;
                    local(() -> {
                        while (bytes.hasRemaining()) {
                            out.write(bytes, at + bytes.position());
                        }
                        return null;
                    });
                    landed(this, take);
                    progress.transferred(blob, take);
                    if (complete(this)) {
                        // The rest of the answer belongs to a thief now (closing the body drops the connection).
                        return null;
                    }
                }
            }
            if (!complete(this)) {
                throw new VerifyingStream.Truncated("content ended after " + (from + written) + " of bytes "
                        + from + "-" + (end - 1));
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
            long landed = waitFor(position);
            int n = file.read(ByteBuffer.wrap(buf, off, (int) Math.min(len, landed)), region.start() + position);
            if (n < 0) {
                throw new IOException("read back " + region.file() + ": ended at " + position);
            }
            position += n;
            return n;
        }
    }
}
