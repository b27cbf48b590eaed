package dev.exporter.transfer;

import com.github.luben.zstd.ZstdInputStream;
import dev.exporter.reference.Digest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;

/**
 * Turns a layer blob into the uncompressed tar {@code docker load} wants, computing its sha256 (the diff id) in
 * the same pass. The compression is sniffed from the magic bytes, as docker does, so gzip, zstd and plain tar
 * layers all work whatever their media type claims.
 */
public final class LayerUnpacker {

    private static final int BUFFER = 256 * 1024;

    private LayerUnpacker() {
    }

    /** Decompresses {@code blob} into {@code target} and returns the uncompressed content's digest. */
    public static Digest unpack(Path blob, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(blob)) {
            return unpack(in, target);
        }
    }

    /**
     * Decompresses a layer stream into {@code target} and returns the uncompressed content's digest. Failures to
     * write {@code target} are the disk's, not the input's, and surface as {@link java.io.UncheckedIOException}.
     */
    public static Digest unpack(InputStream blob, Path target) throws IOException {
        MessageDigest hasher = Digest.newSha256();
        OutputStream out;
        try {
            out = Files.newOutputStream(target);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("write " + target + ": " + e.getMessage(), e);
        }
        try (InputStream in = decompressed(new BufferedInputStream(blob, BUFFER)); out) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) != -1) {
                hasher.update(buf, 0, n);
                try {
                    out.write(buf, 0, n);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("write " + target + ": " + e.getMessage(), e);
                }
            }
        }
        return Digest.sha256(hasher.digest());
    }

    /** Wraps {@code in} (which must support mark) in the decompressor its first bytes call for. */
    public static InputStream decompressed(InputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(in, BUFFER);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        return in;
    }
}
