package dev.exporter.transfer;

import dev.exporter.image.BlobSource;
import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Streams one blob to a {@link Landing} through the {@link VerifyingStream}. When a retry follows a broken
 * connection and the landing keeps what it got, it asks for the missing range only; the digest state carries over,
 * so nothing is read back. A source that cannot resume sends the whole blob again and the download restarts.
 */
final class BlobDownload implements BlobSource.BlobRead<Path> {

    private static final int BUFFER = 256 * 1024;

    private final Descriptor blob;
    private final Landing landing;
    private final ProgressListener progress;
    private final Tap tap;
    private final String action;
    private final VerifyingStream verifier;
    /** Bytes reported to the listener. */
    private long reported;

    BlobDownload(Descriptor blob, Landing landing, ProgressListener progress, String action, Tap tap) {
        this.blob = blob;
        this.landing = landing;
        this.progress = progress;
        this.tap = tap;
        this.action = action;
        this.verifier = VerifyingStream.expecting(blob.digest(), blob.size(), action);
    }

    @Override
    public long resumeAt() {
        long have = verifier.received();
        return landing.keepsBytes() && have > 0 && have < blob.size() ? have : 0;
    }

    @Override
    public Path read(long offset, InputStream body) throws IOException {
        if (offset == 0) {
            startOver();
        }
        // Read failures are the source's and worth a retry (IOException); write failures are the disk's and are
        // not (UncheckedIOException), or a full disk would be retried with backoff before it is reported.
        try (OutputStream out = localWrite(() -> new BufferedOutputStream(landing.open(offset), BUFFER));
             Tapped tapped = new Tapped(verifier.wrap(body), out)) {
            if (offset == 0 && tap != null) {
                // A fresh download feeds the consumer as it arrives; a resumed one leaves it to read the file later.
                try {
                    tap.consume(tapped);
                } catch (IOException e) {
                    if (e == tapped.sourceFailure) {
                        throw e;
                    }
                    // The consumer choked on the content (say, corrupt gzip). Finish and verify the download: a
                    // digest mismatch is the real error then; if the digest holds, the consumer reports it.
                }
            }
            tapped.drain();
            localWrite(() -> {
                out.flush();
                return null;
            });
        } catch (ContentException e) {
            startOver();
            landing.discard();
            throw e;
        }
        return localWrite(landing::commit);
    }

    private void startOver() {
        verifier.restart();
        if (reported != 0) {
            report(-reported);
        }
    }

    /**
     * The blob body as it is saved: every byte read is verified, landed and reported, whoever reads it (the
     * consumer of a {@link Tap}, or {@link #drain()}).
     */
    private final class Tapped extends InputStream {
        private final InputStream in;
        private final OutputStream out;
        /** The last failure reading the source, to tell it apart from the consumer's own failures. */
        private IOException sourceFailure;

        Tapped(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(buf, off, len);
            } catch (IOException e) {
                sourceFailure = e;
                throw e;
            }
            if (n <= 0) {
                return n;
            }
            localWrite(() -> {
                out.write(buf, off, n);
                return null;
            });
            report(n);
            return n;
        }

        void drain() throws IOException {
            byte[] buf = new byte[BUFFER];
            while (read(buf, 0, buf.length) != -1) {
                // each read saves and verifies the bytes
            }
        }
    }

    /** A write to the landing; a failed one discards what the landing holds. */
    private <T> T localWrite(DiskWrite<T> write) {
        try {
            return DiskWrite.run(action, landing, write);
        } catch (UncheckedIOException e) {
            landing.discard();
            throw e;
        }
    }

    private void report(long bytes) {
        reported += bytes;
        progress.transferred(blob, bytes);
    }

    /** Removes the unfinished file after a final failure. */
    void discard() {
        landing.discard();
    }
}
