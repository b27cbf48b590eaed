package dev.exporter.transfer;

import dev.exporter.image.ContentException;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A content-addressed folder of blobs, {@code <root>/<algorithm>/<hex>}. Blobs appear there only complete and
 * verified (written under a temporary name, then renamed), so a present file of the right size is trustworthy.
 */
public final class BlobStore {

    private final Path root;

    public BlobStore(Path root) {
        this.root = root;
    }

    /** Where the blob lives (or will); safe because {@link Digest} only admits fixed-length hex. */
    public Path path(Digest digest) {
        return root.resolve(digest.algorithm()).resolve(digest.hex());
    }

    /**
     * Where this run keeps an unfinished download of the blob so a retry can resume it. The name is unique per run
     * (process id and a random part: two containers sharing a cache can have the same pid), so concurrent runs
     * never write into each other's files; the first to finish renames its verified copy into place.
     */
    Path partial(Digest digest) {
        return root.resolve(digest.algorithm()).resolve(digest.hex() + ".partial-" + RunClaims.RUN);
    }

    /**
     * Whether the blob is present with the right size and content, read back through the {@link VerifyingStream}. A
     * file that fails the check is removed, so it is downloaded again rather than trusted: bytes from a store are
     * always re-verified before use.
     */
    public boolean contains(Descriptor blob) {
        Path path = path(blob.digest());
        try {
            if (!Files.isRegularFile(path) || Files.size(path) != blob.size()) {
                return false;
            }
            try (VerifyingStream in = VerifyingStream.of(Files.newInputStream(path), blob.digest(), blob.size(),
                    "check stored blob " + path)) {
                in.drain();
                return true;
            } catch (ContentException | VerifyingStream.Truncated e) {
                Files.deleteIfExists(path);
                return false;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The blob's content if the store holds it intact, read through the {@link VerifyingStream} and capped at
     * {@code max} bytes; null when it is absent, damaged or unreadable (the caller fetches it instead).
     */
    public byte[] read(Descriptor blob, int max) {
        Path path = path(blob.digest());
        try {
            if (!Files.isRegularFile(path) || Files.size(path) != blob.size()) {
                return null;
            }
            try (VerifyingStream in = VerifyingStream.of(Files.newInputStream(path), blob.digest(), blob.size(),
                    "read stored blob " + path)) {
                return in.readAll(max);
            }
        } catch (IOException | ContentException damaged) {
            return null;
        }
    }

    /** Stores small content (manifests, indexes) under its digest unless it is already there. */
    public Path put(Digest digest, byte[] content) throws IOException {
        Path path = path(digest);
        if (Files.isRegularFile(path) && java.util.Arrays.equals(Files.readAllBytes(path), content)) {
            return path;
        }
        try (RunClaims.Claim claim = claim(digest)) {
            Path temp = TempPaths.register(Files.createTempFile(path.getParent(), "." + digest.hex() + "."
                    + RunClaims.RUN + ".", ".tmp"));
            try {
                Files.write(temp, content);
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                TempPaths.delete(temp);
            }
        }
        return path;
    }

    /** Moves a completed, verified download into place. */
    void commit(Path partial, Digest digest) throws IOException {
        Files.move(partial, path(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Creates the blob's folder and claims it for this run's temporaries ({@link RunClaims}). */
    RunClaims.Claim claim(Digest digest) {
        Path folder = root.resolve(digest.algorithm());
        try {
            Files.createDirectories(folder);
            return RunClaims.claim(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("create blob folder " + folder + ": " + FileErrors.describe(e), e);
        }
    }
}
