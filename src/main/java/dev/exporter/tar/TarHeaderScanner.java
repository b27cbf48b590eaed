package dev.exporter.tar;

import dev.exporter.tar.TarReader.Entry;
import dev.exporter.tar.TarReader.Type;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one pass over a tar file's headers that builds {@link TarReader}'s index: ustar, GNU long names and links
 * ({@code ././@LongLink}), PAX {@code path}, {@code linkpath} and {@code size}, GNU base-256 sizes. Everything it
 * keeps is bounded ({@link TarReader#MAX_ENTRIES}, {@link TarReader#MAX_NAME_LENGTH},
 * {@link TarReader#MAX_EXTENDED_HEADER}), and data is skipped, never read, except for the extended headers.
 */
final class TarHeaderScanner {

    private static final int BLOCK = 512;

    private final FileChannel channel;
    private final String what;
    private final long length;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long position;
    private String longName;
    private String longLink;
    private Map<String, String> pax = Map.of();

    TarHeaderScanner(FileChannel channel, String what) throws IOException {
        this.channel = channel;
        this.what = what;
        this.length = channel.size();
    }

    Map<String, Entry> scan() throws IOException {
        while (position < length) {
            byte[] header = readBlock();
            if (isZero(header)) {
                break; // end of archive; what follows is padding
            }
            checkChecksum(header);
            long headerAt = position - BLOCK;
            char type = (char) header[156];
            boolean extended = type == 'L' || type == 'K' || type == 'x' || type == 'g';
            long size = !extended && pax.containsKey("size") ? paxSize(pax.get("size"))
                    : number(header, 124, 12, headerAt);
            if (type >= '1' && type <= '6') {
                size = 0; // links, devices, folders and fifos carry no data whatever the field says, as in Go's reader
            }
            long dataAt = position;
            long end = dataAt + (size + BLOCK - 1) / BLOCK * BLOCK;
            if (size < 0 || dataAt + size > length) {
                throw new IOException(what + ": truncated: the entry at offset " + headerAt + " declares " + size
                        + " bytes but the archive ends after " + (length - dataAt));
            }
            switch (type) {
                case 'L' -> longName = extendedText(dataAt, size, "GNU long name");
                case 'K' -> longLink = extendedText(dataAt, size, "GNU long link name");
                case 'x' -> pax = paxRecords(dataAt, size);
                case 'g' -> {
                    // global PAX records: nothing in them changes where entries are or what they are called
                }
                default -> add(header, type, headerAt, dataAt, size);
            }
            position = Math.min(end, length);
        }
        return entries;
    }

    private void add(byte[] header, char type, long headerAt, long dataAt, long size) throws IOException {
        String rawName = pax.getOrDefault("path", longName != null ? longName : ustarName(header));
        String rawLink = pax.getOrDefault("linkpath", longLink != null ? longLink : string(header, 157, 100));
        pax = Map.of();
        longName = null;
        longLink = null;
        String where = what + ": entry at offset " + headerAt;
        if (rawName.length() > TarReader.MAX_NAME_LENGTH || rawLink.length() > TarReader.MAX_NAME_LENGTH) {
            throw new IOException(where + ": name longer than " + TarReader.MAX_NAME_LENGTH + " characters");
        }
        String name = TarReader.normalize(rawName, where);
        Type kind = switch (type) {
            case '0', '\0', '7' -> Type.FILE;
            case '1' -> Type.HARDLINK;
            case '2' -> Type.SYMLINK;
            case '5' -> Type.DIRECTORY;
            default -> Type.OTHER;
        };
        if (name.isEmpty()) {
            if (kind == Type.DIRECTORY) {
                return; // "./", the archive's root
            }
            throw new IOException(where + ": entry without a name");
        }
        String link = switch (kind) {
            case HARDLINK -> TarReader.normalize(rawLink, where + " ('" + name + "', hard link)");
            case SYMLINK -> rawLink;
            default -> null;
        };
        entries.remove(name); // a later entry replaces an earlier one, and takes its place in the order
        if (entries.size() >= TarReader.MAX_ENTRIES) {
            throw new IOException(what + ": more than " + TarReader.MAX_ENTRIES + " entries");
        }
        entries.put(name, new Entry(name, kind, dataAt, kind == Type.FILE ? size : 0, link));
    }

    private String ustarName(byte[] header) {
        String name = string(header, 0, 100);
        // POSIX ustar keeps a prefix in 345..500; GNU's "ustar  " header uses those bytes for other fields
        boolean posix = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        String prefix = posix ? string(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private String extendedText(long at, long size, String kind) throws IOException {
        if (size > TarReader.MAX_EXTENDED_HEADER) {
            throw new IOException(what + ": " + kind + " at offset " + (at - BLOCK) + " has " + size
                    + " bytes, over the limit of " + TarReader.MAX_EXTENDED_HEADER);
        }
        byte[] data = read(at, (int) size);
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }

    /** PAX records, {@code "<length> <key>=<value>\n"} each; only the keys we use are kept. */
    private Map<String, String> paxRecords(long at, long size) throws IOException {
        if (size > TarReader.MAX_EXTENDED_HEADER) {
            throw new IOException(what + ": PAX header at offset " + (at - BLOCK) + " has " + size
                    + " bytes, over the limit of " + TarReader.MAX_EXTENDED_HEADER);
        }
        byte[] data = read(at, (int) size);
        Map<String, String> records = new LinkedHashMap<>();
        int i = 0;
        while (i < data.length && data[i] != 0) {
            int space = i;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int recordLength;
            try {
                recordLength = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                recordLength = -1;
            }
            if (recordLength <= space - i || i + recordLength > data.length || data[i + recordLength - 1] != '\n') {
                throw new IOException(what + ": malformed PAX header at offset " + (at - BLOCK));
            }
            String record = new String(data, space + 1, i + recordLength - space - 2, StandardCharsets.UTF_8);
            int equals = record.indexOf('=');
            if (equals < 0) {
                throw new IOException(what + ": malformed PAX record '" + record + "' at offset " + (at - BLOCK));
            }
            String key = record.substring(0, equals);
            if (key.equals("path") || key.equals("linkpath") || key.equals("size")) {
                records.put(key, record.substring(equals + 1));
            }
            i += recordLength;
        }
        return records;
    }

    private long paxSize(String text) throws IOException {
        try {
            long size = Long.parseLong(text);
            if (size >= 0) {
                return size;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(what + ": invalid PAX size '" + text + "' at offset " + (position - BLOCK));
    }

    private void checkChecksum(byte[] header) throws IOException {
        long expected = number(header, 148, 8, position - BLOCK);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (expected != unsigned && expected != signed) {
            throw new IOException(what + ": bad header checksum at offset " + (position - BLOCK)
                    + " (not a tar archive, or a corrupt one)");
        }
    }

    /** An octal field, or GNU's base-256 form (high bit set) for sizes over 8 GiB. */
    private long number(byte[] header, int offset, int length, long headerAt) throws IOException {
        if ((header[offset] & 0x80) != 0) {
            long value = header[offset] & 0x7f;
            for (int i = offset + 1; i < offset + length; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new IOException(what + ": number too large in the header at offset " + headerAt);
                }
                value = (value << 8) | (header[i] & 0xff);
            }
            return value;
        }
        String text = string(header, offset, length).trim();
        if (text.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(text, 8);
        } catch (NumberFormatException e) {
            throw new IOException(what + ": invalid number '" + text + "' in the header at offset " + headerAt
                    + " (not a tar archive, or a corrupt one)");
        }
    }

    private byte[] readBlock() throws IOException {
        if (length - position < BLOCK) {
            throw new IOException(what + ": truncated: " + (length - position) + " bytes at offset " + position
                    + " are too few for a tar header");
        }
        byte[] block = read(position, BLOCK);
        position += BLOCK;
        return block;
    }

    private byte[] read(long at, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                throw new IOException(what + ": truncated at offset " + (at + buffer.position()));
            }
        }
        return buffer.array();
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String string(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }
}
