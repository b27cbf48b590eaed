package dev.exporter.tar;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A tar stream of root-owned entries with explicit times, written straight to a channel: file contents go through
 * {@link FileChannel#transferTo} (sendfile/copy_file_range), so gigabytes of layers never pass through the Java
 * heap. ustar headers, with a PAX extended header for names over 100 bytes and sizes of 8 GiB or more.
 *
 * <p>Headers are the ones {@code docker save} (20.10) writes through moby's {@code pkg/archive} and Go's
 * {@code archive/tar}: the mode keeps the file-type bits ({@code 0100644}, {@code 040755}, {@code 0120777}) that
 * moby adds back, owner 0/0 named root, devmajor/devminor written as zero octal; a PAX extended header is Go's
 * ({@code PaxHeaders.0/}, mode, owner and time 0, no owner names, records sorted by key).
 */
public final class TarWriter implements Closeable {

    private static final int BLOCK = 512;
    private static final long USTAR_MAX_SIZE = 077777777777L;

    private final WritableByteChannel out;
    private final ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);

    public TarWriter(WritableByteChannel out) {
        this.out = out;
    }

    public void directory(String name, Instant time) throws IOException {
        header(name.endsWith("/") ? name : name + "/", 040755, 0, time, '5', "");
    }

    public void file(String name, byte[] content, Instant time) throws IOException {
        header(name, 0100644, content.length, time, '0', "");
        put(content);
        pad(content.length);
    }

    public void file(String name, Path content, Instant time) throws IOException {
        try (FileChannel in = FileChannel.open(content, StandardOpenOption.READ)) {
            long size = in.size();
            header(name, 0100644, size, time, '0', "");
            flush();
            transferAll(in, size, out, content);
            pad(size);
        }
    }

    /**
     * Copies the {@code size}-byte file {@code content} into the hole {@link #reserve} left for it at {@code offset}
     * of {@code archive}, through a channel of its own (so holes can be filled concurrently).
     */
    public static void fill(Path archive, long offset, Path content, long size) throws IOException {
        try (FileChannel in = FileChannel.open(content, StandardOpenOption.READ);
             FileChannel target = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            target.position(offset);
            transferAll(in, size, target, content);
        }
    }

    /** Copies {@code size} bytes of {@code in} to {@code out} with transferTo (sendfile/copy_file_range). */
    private static void transferAll(FileChannel in, long size, WritableByteChannel out, Path content) throws IOException {
        for (long position = 0; position < size; ) {
            long n = in.transferTo(position, size - position, out);
            if (n <= 0 && in.size() < size) {
                throw new IOException(content + " shrank while being archived");
            }
            position += n;
        }
    }

    /**
     * Writes the header of a {@code size}-byte file but not its content, leaving a hole that the caller fills
     * later (concurrently, through channels of its own); returns the content's offset in the file. Needs a
     * {@link FileChannel} that started empty.
     */
    public long reserve(String name, long size, Instant time) throws IOException {
        if (!(out instanceof FileChannel file)) {
            throw new IllegalStateException("reserving room needs a file channel");
        }
        header(name, 0100644, size, time, '0', "");
        flush();
        long start = file.position();
        file.position(start + size);
        pad(size);
        return start;
    }

    public void symlink(String name, String target, Instant time) throws IOException {
        header(name, 0120777, 0, time, '2', target);
    }

    private void header(String name, int mode, long size, Instant time, char type, String link) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        StringBuilder pax = new StringBuilder();
        if (linkBytes.length > 100) {
            pax.append(paxRecord("linkpath", link));
        }
        if (nameBytes.length > 100) {
            pax.append(paxRecord("path", name));
        }
        if (size > USTAR_MAX_SIZE) {
            pax.append(paxRecord("size", Long.toString(size)));
        }
        if (pax.length() > 0) {
            byte[] records = pax.toString().getBytes(StandardCharsets.UTF_8);
            int cut = name.lastIndexOf('/') + 1;
            String paxName = name.substring(0, cut) + "PaxHeaders.0" + (cut == name.length() ? "" : "/" + name.substring(cut));
            writeHeader(truncate(paxName, 100).replaceAll("/+$", ""), 0, records.length, Instant.EPOCH, 'x', "", false);
            put(records);
            pad(records.length);
        }
        writeHeader(truncate(name, 100), mode, size > USTAR_MAX_SIZE ? 0 : size, time, type, truncate(link, 100), true);
    }

    /** {@code owned}: the entry's own header, with owner names and device numbers, not a PAX extended header. */
    private void writeHeader(String name, int mode, long size, Instant time, char type, String link, boolean owned)
            throws IOException {
        byte[] h = new byte[BLOCK];
        field(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, Math.max(0, time.getEpochSecond()));
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        field(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
        field(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        field(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        if (owned) {
            field(h, 265, 32, "root".getBytes(StandardCharsets.US_ASCII));
            field(h, 297, 32, "root".getBytes(StandardCharsets.US_ASCII));
            octal(h, 329, 8, 0);
            octal(h, 337, 8, 0);
        }
        long checksum = 0;
        for (byte b : h) {
            checksum += b & 0xff;
        }
        octal(h, 148, 7, checksum);
        h[155] = ' ';
        put(h);
    }

    /** A PAX record {@code "<len> key=value\n"} whose length counts its own digits. */
    private static String paxRecord(String key, String value) {
        int body = key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length + 3;
        int length = body + Integer.toString(body).length();
        if (Integer.toString(length).length() != Integer.toString(body).length()) {
            length++;
        }
        return length + " " + key + "=" + value + "\n";
    }

    private static String truncate(String s, int maxBytes) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= maxBytes ? s : new String(bytes, 0, maxBytes, StandardCharsets.UTF_8);
    }

    private static void field(byte[] header, int offset, int length, byte[] value) {
        System.arraycopy(value, 0, header, offset, Math.min(length, value.length));
    }

    /** Zero-padded octal with a trailing NUL, as GNU tar and Go write numeric fields. */
    private static void octal(byte[] header, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        int width = length - 1;
        StringBuilder s = new StringBuilder(width);
        for (int i = digits.length(); i < width; i++) {
            s.append('0');
        }
        s.append(digits);
        field(header, offset, width, s.toString().getBytes(StandardCharsets.US_ASCII));
        header[offset + width] = 0;
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            put(new byte[BLOCK - rest]);
        }
    }

    private void put(byte[] bytes) throws IOException {
        int offset = 0;
        while (offset < bytes.length) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = Math.min(buffer.remaining(), bytes.length - offset);
            buffer.put(bytes, offset, n);
            offset += n;
        }
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        buffer.clear();
    }

    /** Writes the two zero blocks that end an archive and flushes; the channel stays open for its owner. */
    @Override
    public void close() throws IOException {
        put(new byte[2 * BLOCK]);
        flush();
    }
}
