package dev.exporter.tar;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * How a file or stream is compressed, told by its first bytes rather than by its name or media type: archives are
 * named anything ({@code image.tar} that is really gzip), and docker itself sniffs layers the same way (gzip since
 * 1.10, zstd since 23.0).
 */
public enum Compression {
    NONE, GZIP, ZSTD;

    private static final int BUFFER = 64 * 1024;

    /** The compression {@code head} (the first bytes, at least 4 when there are that many) starts with. */
    public static Compression sniff(byte[] head, int length) {
        if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** The compression of the file at {@code file}. */
    public static Compression sniff(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return sniff(head, head.length);
        }
    }

    /**
     * {@code in} decompressed according to its first bytes (gzip, zstd, or passed through as it is), e.g. to
     * compute a layer's diff id from its blob. Closing the result closes {@code in}.
     */
    public static InputStream decompressing(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
        buffered.mark(4);
        byte[] head = buffered.readNBytes(4);
        buffered.reset();
        return sniff(head, head.length).decompress(buffered);
    }

    /** What an output's name asks for: {@code .tar.gz}/{@code .tgz} gzip, {@code .tar.zst}/{@code .tzst} zstd. */
    public static Compression forName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".gz") || lower.endsWith(".tgz")) {
            return GZIP;
        }
        if (lower.endsWith(".zst") || lower.endsWith(".tzst")) {
            return ZSTD;
        }
        return NONE;
    }

    /**
     * {@code out} compressed with this compression on {@code threads} cores, streaming; closing the result writes
     * the end of the compressed stream and closes {@code out}.
     */
    public OutputStream compress(OutputStream out, int threads) throws IOException {
        return compress(out, threads, java.util.zip.Deflater.DEFAULT_COMPRESSION);
    }

    /** {@link #compress(OutputStream, int)} at a gzip level of {@link java.util.zip.Deflater} (zstd keeps its default). */
    public OutputStream compress(OutputStream out, int threads, int gzipLevel) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new ParallelGzipOutputStream(out, gzipLevel, threads);
            case ZSTD -> {
                ZstdOutputStream zstd = new ZstdOutputStream(out);
                zstd.setWorkers(threads);
                yield new java.io.BufferedOutputStream(zstd, BUFFER);
            }
        };
    }

    /** {@code in} decompressed with this compression. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, BUFFER);
            case ZSTD -> new ZstdInputStream(in);
        };
    }

    /**
     * Decompresses {@code file} into a new temporary file in {@code tempDir}, streaming; the caller deletes it.
     * Failures name {@code file}.
     */
    Path decompressToTemporary(Path file, Path tempDir) throws IOException {
        Path plain = Files.createTempFile(tempDir, "archive-", ".tar");
        try (InputStream in = decompress(Files.newInputStream(file));
             OutputStream out = Files.newOutputStream(plain)) {
            in.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(plain);
            throw new IOException("decompress " + file + " (" + name().toLowerCase(Locale.ROOT) + ") into "
                    + tempDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            Files.deleteIfExists(plain);
            throw e;
        }
        return plain;
    }
}
