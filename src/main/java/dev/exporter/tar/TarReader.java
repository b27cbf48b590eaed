package dev.exporter.tar;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An index of a tar file, built in one pass over its headers, so any entry can be read later straight from its
 * place in the file: image archives hold a few large layer files that are read in any order, and copying them out
 * first would cost the disk space and time of the whole archive. Nothing but the index is held in memory.
 *
 * <p>Reads ustar, GNU ({@code ././@LongLink} names) and PAX ({@code path}, {@code linkpath}, {@code size}) headers.
 * Names are normalized ({@code ./} prefixes and {@code .} parts dropped, {@code a/../b} collapsed); a name that is
 * absolute or climbs out of the archive is refused, as are bad checksums and archives that end inside an entry.
 * Caps on entry count and header sizes keep a hostile archive from exhausting memory. {@link #find} follows
 * symlinks (relative, as {@code docker save} writes for repeated layers) and hard links (as podman and skopeo
 * write) to the file they name.
 */
public final class TarReader implements Closeable {

    /** What an entry is; devices, fifos and sparse files are {@link #OTHER} and cannot be opened. */
    public enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK, OTHER }

    /**
     * One entry of the archive.
     *
     * @param name   normalized, without a trailing slash
     * @param offset where the entry's data starts in the (uncompressed) tar file
     * @param link   the target of a symlink (as written) or hard link (normalized), else null
     */
    public record Entry(String name, Type type, long offset, long size, String link) {
    }

    static final int MAX_ENTRIES = 100_000;
    static final int MAX_NAME_LENGTH = 4096;
    static final int MAX_EXTENDED_HEADER = 64 * 1024;
    private static final int MAX_LINK_HOPS = 40;

    private final String what;
    private final FileChannel channel;
    private final Path temporary;
    private final Map<String, Entry> entries;

    private TarReader(String what, FileChannel channel, Path temporary, Map<String, Entry> entries) {
        this.what = what;
        this.channel = channel;
        this.temporary = temporary;
        this.entries = entries;
    }

    /**
     * Indexes {@code file}, plain or compressed (gzip, zstd). A compressed archive is decompressed once into a
     * temporary file in {@code tempDir}, deleted again on {@link #close()}.
     */
    public static TarReader open(Path file, Path tempDir) throws IOException {
        Compression compression = Compression.sniff(file);
        if (compression == Compression.NONE) {
            return index(file, file.toString(), null);
        }
        Path plain = compression.decompressToTemporary(file, tempDir);
        try {
            return index(plain, file.toString(), plain);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(plain);
            throw e;
        }
    }

    /** Indexes a plain (uncompressed) tar file. */
    public static TarReader open(Path file) throws IOException {
        return index(file, file.toString(), null);
    }

    private static TarReader index(Path tar, String what, Path temporary) throws IOException {
        FileChannel channel = FileChannel.open(tar, StandardOpenOption.READ);
        try {
            return new TarReader(what, channel, temporary, new TarHeaderScanner(channel, what).scan());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The archive's name as given, for messages. */
    public String name() {
        return what;
    }

    /** Every entry by normalized name, in archive order; a name written twice keeps its last entry. */
    public Collection<Entry> entries() {
        return Collections.unmodifiableCollection(entries.values());
    }

    /** The entry named exactly {@code name} (normalized first), without following links. */
    public Optional<Entry> entry(String name) throws IOException {
        return Optional.ofNullable(entries.get(normalize(name, what)));
    }

    /**
     * The regular file {@code name} leads to, following symlinks (in any part of the path) and hard links; empty
     * when there is none. A link that climbs out of the archive, is absolute or loops is an error.
     */
    public Optional<Entry> find(String name) throws IOException {
        Deque<String> pending = new ArrayDeque<>(List.of(normalize(name, what).split("/")));
        String current = "";
        int hops = 0;
        while (!pending.isEmpty()) {
            String part = pending.removeFirst();
            String candidate = current.isEmpty() ? part : current + "/" + part;
            Entry entry = entries.get(candidate);
            if (entry != null && (entry.type() == Type.SYMLINK || entry.type() == Type.HARDLINK)) {
                if (++hops > MAX_LINK_HOPS) {
                    throw new IOException(what + ": '" + name + "': too many levels of links");
                }
                String target = entry.type() == Type.HARDLINK ? entry.link() : resolveSymlink(entry, current);
                List<String> parts = List.of(target.split("/"));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    pending.addFirst(parts.get(i));
                }
                current = "";
            } else {
                current = candidate;
            }
        }
        Entry file = entries.get(current);
        return file != null && file.type() == Type.FILE ? Optional.of(file) : Optional.empty();
    }

    private String resolveSymlink(Entry link, String parent) throws IOException {
        if (link.link().startsWith("/")) {
            throw new IOException(what + ": symlink '" + link.name() + "' -> '" + link.link()
                    + "' is absolute; only links inside the archive can be followed");
        }
        String joined = parent.isEmpty() ? link.link() : parent + "/" + link.link();
        try {
            return normalize(joined, "symlink '" + link.name() + "' -> '" + link.link() + "'");
        } catch (IOException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    /** A stream of a regular file's bytes, read from its place in the archive. */
    public InputStream open(Entry entry) throws IOException {
        if (entry.type() != Type.FILE) {
            throw new IOException(what + ": '" + entry.name() + "' is a " + entry.type().name().toLowerCase(Locale.ROOT)
                    + ", not a file");
        }
        return new RegionStream(channel, entry.offset(), entry.size());
    }

    /** Reads a small file whole, refusing one over {@code max} bytes. */
    public byte[] readAll(Entry entry, int max) throws IOException {
        if (entry.size() > max) {
            throw new IOException(what + ": '" + entry.name() + "' has " + entry.size() + " bytes, over the limit of "
                    + max);
        }
        try (InputStream in = open(entry)) {
            return in.readAllBytes();
        }
    }

    /** Closes the file and deletes the decompressed copy, if one was made. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (temporary != null) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /**
     * {@code name} without {@code ./}, {@code .} parts, doubled or trailing slashes, and with {@code ..} applied;
     * "" for the archive's root. Absolute names and names that climb out of the root are refused.
     */
    static String normalize(String name, String what) throws IOException {
        if (name.startsWith("/")) {
            throw new IOException(what + ": absolute path '" + name + "' in an archive");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw new IOException(what + ": path '" + name + "' leads out of the archive");
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return String.join("/", parts);
    }

    /** A window of the file, read with positional reads so several can be open at once. */
    private static final class RegionStream extends InputStream {
        private final FileChannel channel;
        private final long end;
        private long position;

        RegionStream(FileChannel channel, long start, long size) {
            this.channel = channel;
            this.position = start;
            this.end = start + size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (position >= end) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(buf, off, (int) Math.min(len, end - position)), position);
            if (n < 0) {
                return -1; // the file shrank since it was indexed: the verifying stream reports the missing bytes
            }
            position += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, end - position));
            position += skipped;
            return skipped;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - position);
        }
    }
}
