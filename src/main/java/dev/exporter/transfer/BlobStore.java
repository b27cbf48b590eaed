package dev.exporter.transfer;

import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;

import java.io.IOException;
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

    public Path root() {
        return root;
    }

    /** Where the blob lives (or will); safe because {@link Digest} only admits fixed-length hex. */
    public Path path(Digest digest) {
        return root.resolve(digest.algorithm()).resolve(digest.hex());
    }

    /** Where an unfinished download of the blob is kept so it can be resumed. */
    Path partial(Digest digest) {
        return root.resolve(digest.algorithm()).resolve(digest.hex() + ".partial");
    }

    public boolean contains(Descriptor blob) {
        Path path = path(blob.digest());
        try {
            return Files.isRegularFile(path) && Files.size(path) == blob.size();
        } catch (IOException e) {
            return false;
        }
    }

    /** Moves a completed, verified download into place. */
    void commit(Path partial, Digest digest) throws IOException {
        Files.move(partial, path(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    void prepare(Digest digest) {
        try {
            Files.createDirectories(root.resolve(digest.algorithm()));
        } catch (IOException e) {
            throw new UncheckedIOException("create blob folder " + root, e);
        }
    }
}
