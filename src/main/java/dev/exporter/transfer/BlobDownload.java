package dev.exporter.transfer;

import dev.exporter.image.Descriptor;
import dev.exporter.registry.BlobPuller;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.RegistryResponse;
import dev.exporter.registry.http.NetworkException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams one blob to a {@link Landing}, checking size and digest as the bytes arrive. When a retry follows a
 * broken connection and the landing keeps what it got, it asks for the missing range only; the digest state
 * carries over, so nothing is read back. A server that ignores {@code Range} simply sends the whole blob again and
 * the download restarts.
 */
final class BlobDownload implements BlobPuller.BlobReader<Path> {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 256 * 1024;

    private final Descriptor blob;
    private final Landing landing;
    private final ProgressListener progress;
    private final String action;
    private final Tap tap;
    private final MessageDigest hasher;
    /** Bytes landed and hashed so far, over all attempts. */
    private long written;
    /** Bytes reported to the listener. */
    private long reported;

    BlobDownload(Descriptor blob, Landing landing, ProgressListener progress, String action, Tap tap) {
        this.blob = blob;
        this.landing = landing;
        this.progress = progress;
        this.action = action;
        this.tap = tap;
        this.hasher = blob.digest().newHasher();
    }

    @Override
    public Map<String, String> headers() {
        return resumable() ? Map.of("Range", "bytes=" + written + "-") : Map.of();
    }

    private boolean resumable() {
        return landing.keepsBytes() && written > 0 && written < blob.size();
    }

    @Override
    public Path read(RegistryResponse response) throws IOException {
        long offset = 0;
        if (response.status() == 206) {
            if (!resumable() || !isRestOfBlob(response.header("Content-Range"), written)) {
                // A range we did not ask for: start over without Range on the next attempt.
                startOver();
                throw new NetworkException("registry answered with an unexpected range '"
                        + sanitize(response.header("Content-Range")) + "'");
            }
            offset = written;
        }
        if (offset == 0) {
            startOver();
        }
        // Read failures are the network's and worth a retry (IOException); write failures are the disk's and are
        // not (UncheckedIOException), or a full disk would be retried with backoff before it is reported.
        long from = offset;
        try (OutputStream out = localWrite(() -> new BufferedOutputStream(landing.open(from), BUFFER));
             Tapped tapped = new Tapped(response.body(), out)) {
            if (offset == 0 && tap != null) {
                // A fresh download feeds the consumer as it arrives; a resumed one leaves it to read the file later.
                try {
                    tap.consume(tapped);
                } catch (IOException e) {
                    if (e == tapped.networkFailure) {
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
        }
        if (written < blob.size()) {
            throw new NetworkException("connection closed after " + written + " of " + blob.size() + " bytes");
        }
        if (!blob.digest().matches(hasher.digest())) {
            startOver();
            throw invalid("digest mismatch: the downloaded bytes do not hash to " + blob.digest());
        }
        return localWrite(landing::commit);
    }

    private void startOver() {
        hasher.reset();
        written = 0;
        if (reported != 0) {
            report(-reported);
        }
    }

    /**
     * The blob body as it is saved: every byte read is size-checked, hashed, landed and
     * reported, whoever reads it (the consumer of a {@link Tap}, or {@link #drain()}).
     */
    private final class Tapped extends InputStream {
        private final InputStream in;
        private final OutputStream out;
        /** The last failure reading the response, to tell it apart from the consumer's own failures. */
        private IOException networkFailure;

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
                networkFailure = e;
                throw e;
            }
            if (n <= 0) {
                return n;
            }
            if (written + n > blob.size()) {
                throw invalid("registry sent more than the declared " + blob.size() + " bytes");
            }
            hasher.update(buf, off, n);
            localWrite(() -> {
                out.write(buf, off, n);
                return null;
            });
            written += n;
            report(n);
            return n;
        }

        void drain() throws IOException {
            byte[] buf = new byte[BUFFER];
            while (read(buf, 0, buf.length) != -1) {
                // each read saves and hashes the bytes
            }
        }
    }

    /** Whether {@code contentRange} is exactly the rest of the blob after the {@code have} bytes we hold. */
    private boolean isRestOfBlob(String contentRange, long have) {
        Matcher m = CONTENT_RANGE.matcher(String.valueOf(contentRange));
        return m.matches() && m.group(1).length() < 19 && m.group(2).length() < 19
                && Long.parseLong(m.group(1)) == have
                && Long.parseLong(m.group(2)) == blob.size() - 1
                && (m.group(3).equals("*") || m.group(3).equals(String.valueOf(blob.size())));
    }

    private interface LocalWrite<T> {
        T run() throws IOException;
    }

    private <T> T localWrite(LocalWrite<T> write) {
        try {
            return write.run();
        } catch (IOException e) {
            landing.discard();
            String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    ? f.getReason() : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UncheckedIOException(action + ": write " + landing + ": " + reason, e);
        }
    }

    private RegistryException invalid(String why) {
        landing.discard();
        return new RegistryException(Kind.INVALID_CONTENT, 0, action + ": " + why);
    }

    private static String sanitize(String text) {
        String oneLine = String.valueOf(text).replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() > 100 ? oneLine.substring(0, 100) + "..." : oneLine;
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
