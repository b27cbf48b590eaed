package dev.exporter.testing;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The contents of one layer, rendered as a deterministic tar: entries sorted by path, missing
 * parent directories added, mtime {@link ImageBuilder#FIXED_TIME}, uid/gid 0 with empty owner
 * names, modes 0644 (files), 0755 (directories), 0777 (symlinks), PAX headers for long names.
 * Paths are relative ({@code a/b.txt}); a leading {@code /} or {@code ./} is dropped.
 *
 * <p>Equal specs give byte-identical tars. Compressed bytes are deterministic for a given
 * zlib / zstd library, so compare digests between builds rather than hard-coding them.
 */
public final class LayerSpec {

    private static final int ZSTD_LEVEL = 3;

    /** A tar entry: a directory has neither content nor target, a symlink has a target. */
    private record Entry(byte[] content, String linkTarget) {
    }

    private final SortedMap<String, Entry> entries = new TreeMap<>();

    /** A spec with no entries (a tar consisting only of the end-of-archive marker). */
    public static LayerSpec empty() {
        return new LayerSpec();
    }

    /** Regular files from path to content. */
    public static LayerSpec of(Map<String, byte[]> files) {
        LayerSpec spec = new LayerSpec();
        files.forEach(spec::file);
        return spec;
    }

    public LayerSpec file(String path, byte[] content) {
        entries.put(normalize(path), new Entry(content.clone(), null));
        return this;
    }

    /** A regular file with UTF-8 content. */
    public LayerSpec file(String path, String content) {
        return file(path, content.getBytes(StandardCharsets.UTF_8));
    }

    public LayerSpec directory(String path) {
        entries.put(normalize(path), new Entry(null, null));
        return this;
    }

    public LayerSpec symlink(String path, String target) {
        entries.put(normalize(path), new Entry(null, target));
        return this;
    }

    /** The uncompressed tar. */
    public byte[] tar() {
        SortedMap<String, Entry> all = new TreeMap<>(entries);
        for (String path : entries.keySet()) {
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                all.putIfAbsent(path.substring(0, slash), new Entry(null, null));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Map.Entry<String, Entry> e : all.entrySet()) {
                Entry entry = e.getValue();
                TarArchiveEntry header;
                if (entry.linkTarget != null) {
                    header = new TarArchiveEntry(e.getKey(), TarConstants.LF_SYMLINK);
                    header.setLinkName(entry.linkTarget);
                    header.setMode(0120777);
                } else if (entry.content == null) {
                    header = new TarArchiveEntry(e.getKey() + "/"); // trailing slash makes it a directory
                } else {
                    header = new TarArchiveEntry(e.getKey());
                    header.setSize(entry.content.length);
                }
                header.setModTime(FileTime.from(ImageBuilder.FIXED_TIME));
                header.setIds(0, 0);
                // The entry constructor defaults the owner name to the current OS user.
                header.setNames("", "");
                tar.putArchiveEntry(header);
                if (entry.content != null) {
                    tar.write(entry.content);
                }
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Renders, compresses and digests the layer, with the media type {@code format} uses. */
    public Layer build(ImageFormat format, Compression compression) {
        String mediaType = format.layerMediaType(compression);
        byte[] tar = tar();
        byte[] blob = compress(tar, compression);
        return new Layer(blob, Digests.sha256(blob), Digests.sha256(tar), mediaType, compression);
    }

    private static byte[] compress(byte[] tar, Compression compression) {
        if (compression == Compression.NONE) {
            return tar;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // GZIPOutputStream writes a fixed header (mtime 0, no file name), so output is reproducible.
        try (OutputStream out = compression == Compression.GZIP
                ? new GZIPOutputStream(bytes) : new ZstdOutputStream(bytes, ZSTD_LEVEL)) {
            out.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static String normalize(String path) {
        String normalized = path;
        while (normalized.startsWith("/") || normalized.startsWith("./")) {
            normalized = normalized.substring(normalized.startsWith("/") ? 1 : 2);
        }
        while (normalized.endsWith("/")) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        if (normalized.isEmpty()) {
            throw new IllegalArgumentException("empty layer path: " + path);
        }
        return normalized;
    }
}
