package dev.exporter.transfer;

import com.github.luben.zstd.ZstdInputStream;
import dev.exporter.image.Descriptor;
import dev.exporter.reference.Digest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
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

    /**
     * Decompresses a layer stream into {@code target} and returns the uncompressed content's digest. Failures to
     * write {@code target} are the disk's, not the input's, and surface as {@link java.io.UncheckedIOException}.
     */
    public static Digest unpack(InputStream blob, Path target) throws IOException {
        OutputStream out;
        try {
            out = Files.newOutputStream(target);
        } catch (IOException e) {
            throw diskFailure(target, e);
        }
        return unpack(blob, out, Long.MAX_VALUE, target);
    }

    /** A layer's uncompressed size is not the size reserved for it. */
    public static final class SizeMismatch extends IOException {
        public SizeMismatch(String message) {
            super(message);
        }
    }

    /**
     * Decompresses a layer stream into the {@code size} bytes of {@code file} reserved for it from {@code offset}
     * and returns the content's digest; content of any other size fails with {@link SizeMismatch}.
     */
    public static Digest unpackInto(InputStream blob, Path file, long offset, long size) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            channel.position(offset);
        } catch (IOException e) {
            throw diskFailure(file, e);
        }
        return unpack(blob, Channels.newOutputStream(channel), size, file);
    }

    private static Digest unpack(InputStream blob, OutputStream target, long size, Path where) throws IOException {
        MessageDigest hasher = Digest.newSha256();
        long total = 0;
        try (InputStream in = decompressed(new BufferedInputStream(blob, BUFFER)); OutputStream out = target) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) != -1) {
                total += n;
                if (total > size) {
                    throw new SizeMismatch("layer is larger than the " + size + " bytes reserved for it");
                }
                hasher.update(buf, 0, n);
                try {
                    out.write(buf, 0, n);
                } catch (IOException e) {
                    throw diskFailure(where, e);
                }
            }
        }
        if (size != Long.MAX_VALUE && total != size) {
            throw new SizeMismatch("layer has " + total + " bytes, not the " + size + " reserved for it");
        }
        return Digest.sha256(hasher.digest());
    }

    /**
     * The uncompressed size a gzip blob announces in its last four bytes (ISIZE, the size modulo 2^32) when it is a
     * single gzip member of at most 4 GiB, as registries' layers almost always are; -1 if {@code tail} is no such
     * trailer. A guess, to be checked: a multi-member gzip announces only its last member's size.
     */
    public static long gzipSize(byte[] tail) {
        if (tail == null || tail.length != 4) {
            return -1;
        }
        return (tail[0] & 0xffL) | (tail[1] & 0xffL) << 8 | (tail[2] & 0xffL) << 16 | (tail[3] & 0xffL) << 24;
    }

    /**
     * The uncompressed size a gzip layer's trailer tells, or -1 when it is not plausible for the blob: a whole
     * number of tar blocks, not far below the compressed size (a trailer counts modulo 2^32, and several members
     * only count the last).
     */
    public static long plausibleGzipSize(byte[] tail, Descriptor blob) {
        long size = gzipSize(tail);
        return size >= 0 && size % 512 == 0 && size >= blob.size() / 2 ? size : -1;
    }

    /** A failure to write the unpacked layer: the disk's, not the input's, so not worth a retry. */
    private static java.io.UncheckedIOException diskFailure(Path target, IOException e) {
        return new java.io.UncheckedIOException("write " + target + ": " + FileErrors.reason(e), e);
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
