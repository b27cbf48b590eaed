package dev.exporter.transfer;

import dev.exporter.image.Descriptor;
import dev.exporter.registry.BlobPuller;
import dev.exporter.registry.RegistryException;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.registry.RegistryResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams one blob into a {@link BlobStore}, checking size and digest as the bytes arrive. When a retry follows a
 * broken connection it asks for the missing range only; a server that ignores {@code Range} simply sends the
 * whole blob again and the download restarts. The digest always covers the complete blob.
 */
final class BlobDownload implements BlobPuller.BlobReader<Path> {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 256 * 1024;

    private final Descriptor blob;
    private final BlobStore store;
    private final Path partial;
    private final ProgressListener progress;
    private final String action;
    /** Bytes of the partial file already reported to the listener. */
    private long reported;

    BlobDownload(Descriptor blob, BlobStore store, ProgressListener progress, String action) {
        this.blob = blob;
        this.store = store;
        this.partial = store.partial(blob.digest());
        this.progress = progress;
        this.action = action;
    }

    @Override
    public Map<String, String> headers() {
        long have = partialSize();
        return have > 0 && have < blob.size() ? Map.of("Range", "bytes=" + have + "-") : Map.of();
    }

    @Override
    public Path read(RegistryResponse response) throws IOException {
        long offset = 0;
        if (response.status() == 206) {
            long have = partialSize();
            if (!isRestOfBlob(response.header("Content-Range"), have)) {
                // A range we did not ask for: start over without Range on the next attempt.
                deletePartial();
                report(-reported);
                throw new IOException("registry answered with an unexpected range '"
                        + sanitize(response.header("Content-Range")) + "'");
            }
            offset = have;
        }
        MessageDigest hasher = blob.digest().newHasher();
        if (offset > 0) {
            hashExisting(hasher, offset);
        } else if (reported > 0) {
            report(-reported);
        }
        long total = offset;
        StandardOpenOption mode = offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        // Read failures are the network's and worth a retry (IOException); write failures are the disk's and are
        // not (UncheckedIOException), or a full disk would be retried with backoff before it is reported.
        try (OutputStream out = localWrite(() -> Files.newOutputStream(partial, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, mode))) {
            InputStream in = response.body();
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) != -1) {
                if (total + n > blob.size()) {
                    throw invalid("registry sent more than the declared " + blob.size() + " bytes");
                }
                hasher.update(buf, 0, n);
                int length = n;
                localWrite(() -> {
                    out.write(buf, 0, length);
                    return null;
                });
                total += n;
                report(n);
            }
            localWrite(() -> {
                out.flush();
                return null;
            });
        }
        if (total < blob.size()) {
            throw new IOException("connection closed after " + total + " of " + blob.size() + " bytes");
        }
        if (!blob.digest().matches(hasher.digest())) {
            throw invalid("digest mismatch: the downloaded bytes do not hash to " + blob.digest());
        }
        localWrite(() -> {
            store.commit(partial, blob.digest());
            return null;
        });
        return store.path(blob.digest());
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
            deletePartial();
            String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    ? f.getReason() : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UncheckedIOException(action + ": write " + partial + ": " + reason, e);
        }
    }

    private RegistryException invalid(String why) {
        deletePartial();
        return new RegistryException(Kind.INVALID_CONTENT, 0, action + ": " + why);
    }

    private static String sanitize(String text) {
        String oneLine = String.valueOf(text).replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() > 100 ? oneLine.substring(0, 100) + "..." : oneLine;
    }

    private void hashExisting(MessageDigest hasher, long length) throws IOException {
        try (InputStream in = Files.newInputStream(partial)) {
            byte[] buf = new byte[BUFFER];
            long left = length;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) != -1) {
                hasher.update(buf, 0, n);
                left -= n;
            }
        }
        if (reported != length) {
            report(length - reported);
        }
    }

    private void report(long bytes) {
        reported += bytes;
        progress.transferred(blob, bytes);
    }

    private long partialSize() {
        try {
            return Files.exists(partial) ? Files.size(partial) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Removes the unfinished file after a final failure. */
    void discard() {
        deletePartial();
    }

    private void deletePartial() {
        try {
            Files.deleteIfExists(partial);
        } catch (IOException ignored) {
            // best effort: the folder it lives in is temporary or a cache that tolerates leftovers
        }
    }
}
