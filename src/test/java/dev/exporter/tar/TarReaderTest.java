package dev.exporter.tar;

import com.github.luben.zstd.ZstdOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TarReaderTest {

    @TempDir
    Path dir;

    /** Builds a tar with commons-compress, the way tools write them. */
    private static final class TarBuilder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

        TarBuilder(int longFileMode) {
            tar.setLongFileMode(longFileMode);
        }

        TarBuilder() {
            this(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        TarBuilder file(String name, String content) throws IOException {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry(name, true);
            entry.setSize(data.length);
            tar.putArchiveEntry(entry);
            tar.write(data);
            tar.closeArchiveEntry();
            return this;
        }

        TarBuilder directory(String name) throws IOException {
            tar.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"));
            tar.closeArchiveEntry();
            return this;
        }

        TarBuilder link(String name, String target, byte type) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
            entry.setLinkName(target);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
            return this;
        }

        TarBuilder symlink(String name, String target) throws IOException {
            return link(name, target, TarConstants.LF_SYMLINK);
        }

        TarBuilder hardLink(String name, String target) throws IOException {
            return link(name, target, TarConstants.LF_LINK);
        }

        byte[] bytes() throws IOException {
            tar.close();
            return bytes.toByteArray();
        }
    }

    private Path write(byte[] tar) throws IOException {
        return Files.write(Files.createTempFile(dir, "t", ".tar"), tar);
    }

    private static String read(TarReader reader, String name) throws IOException {
        TarReader.Entry entry = reader.find(name).orElseThrow(() -> new AssertionError("no " + name));
        try (InputStream in = reader.open(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void open_plainEntries_normalizesDotSlashAndReadsContentInPlace() throws IOException {
        Path file = write(new TarBuilder().directory("./").file("./manifest.json", "[]").directory("./abc")
                .file("abc//./layer.tar", "layer bytes").bytes());

        try (TarReader reader = TarReader.open(file)) {
            assertEquals(List.of("manifest.json", "abc", "abc/layer.tar"),
                    reader.entries().stream().map(TarReader.Entry::name).toList());
            assertEquals("[]", read(reader, "manifest.json"));
            assertEquals("layer bytes", read(reader, "./abc/layer.tar"));
            assertEquals(TarReader.Type.DIRECTORY, reader.entry("abc/").orElseThrow().type());
            assertTrue(reader.find("missing").isEmpty());
            assertTrue(reader.find("abc").isEmpty(), "a folder is not a file");
        }
    }

    @ParameterizedTest(name = "longFileMode {0}")
    @ValueSource(ints = {TarArchiveOutputStream.LONGFILE_GNU, TarArchiveOutputStream.LONGFILE_POSIX})
    void open_longNamesAndLinkTargets_gnuAndPax(int mode) throws IOException {
        String longName = "blobs/sha256/" + "a".repeat(64) + "/" + "b".repeat(120) + "/layer.tar";
        String longLink = "b".repeat(120) + "/layer.tar";
        Path file = write(new TarBuilder(mode).file(longName, "deep")
                .symlink("blobs/sha256/" + "a".repeat(64) + "/" + "c".repeat(120), longLink)
                .bytes());

        try (TarReader reader = TarReader.open(file)) {
            assertEquals("deep", read(reader, longName));
            TarReader.Entry link = reader.entry("blobs/sha256/" + "a".repeat(64) + "/" + "c".repeat(120)).orElseThrow();
            assertEquals(longLink, link.link());
            assertEquals("deep", read(reader, link.name()));
        }
    }

    @Test
    void open_paxSize_winsOverTheHeaderField() throws IOException {
        byte[] data = "twelve bytes".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.write(RawTar.withData(RawTar.header("PaxHeaders/a", 'x', RawTar.pax("size", "12").length, ""),
                RawTar.pax("size", "12")));
        tar.write(RawTar.withData(RawTar.header("a", '0', 0, ""), data)); // ustar size 0, data follows
        tar.write(new byte[1024]);

        try (TarReader reader = TarReader.open(write(tar.toByteArray()))) {
            assertEquals(12, reader.entry("a").orElseThrow().size());
            assertEquals("twelve bytes", read(reader, "a"));
        }
    }

    @Test
    void find_followsRelativeSymlinksAsDockerSaveWritesThem() throws IOException {
        Path file = write(new TarBuilder().file("abc/layer.tar", "shared").symlink("def/layer.tar", "../abc/layer.tar")
                .symlink("folder-link", "abc").symlink("chain", "def/layer.tar").bytes());

        try (TarReader reader = TarReader.open(file)) {
            assertEquals("abc/layer.tar", reader.find("def/layer.tar").orElseThrow().name());
            assertEquals("abc/layer.tar", reader.find("folder-link/layer.tar").orElseThrow().name());
            assertEquals("abc/layer.tar", reader.find("chain").orElseThrow().name());
            assertEquals(TarReader.Type.SYMLINK, reader.entry("def/layer.tar").orElseThrow().type());
        }
    }

    @Test
    void find_followsHardLinksAsPodmanAndSkopeoWriteThem() throws IOException {
        Path file = write(new TarBuilder().file("sha256-a.tar", "layer").hardLink("./abc/layer.tar", "./sha256-a.tar").bytes());

        try (TarReader reader = TarReader.open(file)) {
            TarReader.Entry link = reader.entry("abc/layer.tar").orElseThrow();
            assertEquals(TarReader.Type.HARDLINK, link.type());
            assertEquals("sha256-a.tar", link.link());
            assertEquals("layer", read(reader, "abc/layer.tar"));
        }
    }

    @Test
    void find_symlinkOutOfTheArchiveOrAbsoluteOrLooping_isRefused() throws IOException {
        Path file = write(new TarBuilder().symlink("abc/evil", "../../etc/passwd").symlink("abs", "/etc/passwd")
                .symlink("loop-a", "loop-b").symlink("loop-b", "loop-a").bytes());

        try (TarReader reader = TarReader.open(file)) {
            IOException escape = assertThrows(IOException.class, () -> reader.find("abc/evil"));
            assertTrue(escape.getMessage().contains("symlink 'abc/evil' -> '../../etc/passwd'")
                    && escape.getMessage().contains("leads out of the archive"), escape.getMessage());
            IOException absolute = assertThrows(IOException.class, () -> reader.find("abs"));
            assertTrue(absolute.getMessage().contains("is absolute"), absolute.getMessage());
            IOException loop = assertThrows(IOException.class, () -> reader.find("loop-a"));
            assertTrue(loop.getMessage().contains("too many levels of links"), loop.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil", "abc/../../evil", "/etc/passwd"})
    void open_entryNameOutsideTheArchive_isRefused(String name) throws IOException {
        Path file = write(new TarBuilder().file("ok", "x").file(name, "bad").bytes());

        IOException e = assertThrows(IOException.class, () -> TarReader.open(file));
        assertTrue(e.getMessage().startsWith(file + ": entry at offset "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
    }

    @Test
    void open_truncatedInsideData_saysHowMuchIsMissing() throws IOException {
        byte[] tar = new TarBuilder().file("big", "x".repeat(5000)).bytes();
        Path file = write(Arrays.copyOf(tar, 512 + 1000));

        IOException e = assertThrows(IOException.class, () -> TarReader.open(file));
        assertEquals(file + ": truncated: the entry at offset 0 declares 5000 bytes but the archive ends after 1000",
                e.getMessage());
    }

    @Test
    void open_truncatedInsideHeader_isRefused() throws IOException {
        byte[] tar = new TarBuilder().file("a", "x").file("b", "y").bytes();
        Path file = write(Arrays.copyOf(tar, 1024 + 100));

        IOException e = assertThrows(IOException.class, () -> TarReader.open(file));
        assertTrue(e.getMessage().contains("truncated: 100 bytes at offset 1024 are too few for a tar header"),
                e.getMessage());
    }

    @Test
    void open_badChecksum_namesTheHeaderOffset() throws IOException {
        byte[] tar = new TarBuilder().file("a", "x").file("b", "y").bytes();
        tar[1024] = 'c'; // the second entry's name

        IOException e = assertThrows(IOException.class, () -> TarReader.open(write(tar)));
        assertTrue(e.getMessage().endsWith(": bad header checksum at offset 1024 (not a tar archive, or a corrupt one)"),
                e.getMessage());
    }

    @Test
    void open_notATar_isRefusedWithChecksumError() throws IOException {
        byte[] junk = new byte[2048];
        Arrays.fill(junk, (byte) 'j');

        IOException e = assertThrows(IOException.class, () -> TarReader.open(write(junk)));
        assertTrue(e.getMessage().contains("not a tar archive"), e.getMessage());
    }

    @Test
    void open_oversizedExtendedHeaderOrName_isRefusedBeforeReadingIt() throws IOException {
        byte[] hugePax = RawTar.pax("path", "p".repeat(TarReader.MAX_EXTENDED_HEADER));
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.write(RawTar.withData(RawTar.header("PaxHeaders/p", 'x', hugePax.length, ""), hugePax));
        IOException pax = assertThrows(IOException.class, () -> TarReader.open(write(tar.toByteArray())));
        assertTrue(pax.getMessage().contains("over the limit of " + TarReader.MAX_EXTENDED_HEADER), pax.getMessage());

        Path longName = write(new TarBuilder(TarArchiveOutputStream.LONGFILE_GNU)
                .file("n".repeat(TarReader.MAX_NAME_LENGTH + 1), "x").bytes());
        IOException name = assertThrows(IOException.class, () -> TarReader.open(longName));
        assertTrue(name.getMessage().contains("name longer than " + TarReader.MAX_NAME_LENGTH), name.getMessage());
    }

    @Test
    void open_laterEntryOfTheSameName_replacesTheEarlierOne() throws IOException {
        Path file = write(new TarBuilder().file("a", "first").file("./a", "second").bytes());

        try (TarReader reader = TarReader.open(file)) {
            assertEquals(1, reader.entries().size());
            assertEquals("second", read(reader, "a"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "zstd"})
    void open_compressedArchive_isDecompressedOnceAndTheCopyDeletedOnClose(String compression) throws IOException {
        byte[] tar = new TarBuilder().file("manifest.json", "[]").file("abc/layer.tar", "layer").bytes();
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = compression.equals("gzip") ? new GZIPOutputStream(compressed)
                : new ZstdOutputStream(compressed)) {
            out.write(tar);
        }
        Path file = Files.write(dir.resolve("image.tar"), compressed.toByteArray());
        Path temp = Files.createDirectory(dir.resolve("temp"));

        assertEquals(compression.equals("gzip") ? Compression.GZIP : Compression.ZSTD, Compression.sniff(file));
        try (TarReader reader = TarReader.open(file, temp)) {
            assertEquals(file.toString(), reader.name());
            assertEquals("layer", read(reader, "abc/layer.tar"));
            try (var files = Files.list(temp)) {
                assertEquals(1, files.count(), "one decompressed copy");
            }
        }
        try (var files = Files.list(temp)) {
            assertEquals(0, files.count(), "copy deleted on close");
        }
    }

    @Test
    void open_corruptGzip_namesTheArchive_andLeavesNoTemporaryFile() throws IOException {
        byte[] bad = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3};
        Path file = Files.write(dir.resolve("bad.tar.gz"), bad);
        Path temp = Files.createDirectory(dir.resolve("temp"));

        IOException e = assertThrows(IOException.class, () -> TarReader.open(file, temp));
        assertTrue(e.getMessage().startsWith("decompress " + file + " (gzip) into " + temp + ": "), e.getMessage());
        try (var files = Files.list(temp)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void decompressing_sniffsGzipZstdAndPlain() throws IOException {
        byte[] content = "layer content".repeat(100).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gzip)) {
            out.write(content);
        }
        ByteArrayOutputStream zstd = new ByteArrayOutputStream();
        try (OutputStream out = new ZstdOutputStream(zstd)) {
            out.write(content);
        }
        for (byte[] input : List.of(content, gzip.toByteArray(), zstd.toByteArray())) {
            try (InputStream in = Compression.decompressing(new ByteArrayInputStream(input))) {
                assertArrayEquals(content, in.readAllBytes());
            }
        }
        try (InputStream in = Compression.decompressing(new ByteArrayInputStream(new byte[1]))) {
            assertArrayEquals(new byte[1], in.readAllBytes(), "shorter than any magic: plain");
        }
    }

    /** Hand-made headers for what no well-behaved writer produces. */
    static final class RawTar {
        static byte[] header(String name, char type, long size, String link) {
            byte[] header = new byte[512];
            put(header, 0, name);
            put(header, 100, "0000644");
            put(header, 108, "0000000");
            put(header, 116, "0000000");
            put(header, 124, String.format("%011o", size));
            put(header, 136, "00000000000");
            header[156] = (byte) type;
            put(header, 157, link);
            put(header, 257, "ustar");
            put(header, 263, "00");
            Arrays.fill(header, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, String.format("%06o", sum));
            header[154] = 0;
            return header;
        }

        /** One PAX record, {@code "<length> key=value\n"}, the length counting its own digits. */
        static byte[] pax(String key, String value) {
            String body = " " + key + "=" + value + "\n";
            int length = body.length();
            while (length != body.length() + String.valueOf(length).length()) {
                length = body.length() + String.valueOf(length).length();
            }
            return (length + body).getBytes(StandardCharsets.UTF_8);
        }

        static byte[] withData(byte[] header, byte[] data) {
            int padded = (data.length + 511) / 512 * 512;
            byte[] out = Arrays.copyOf(header, 512 + padded);
            System.arraycopy(data, 0, out, 512, data.length);
            return out;
        }

        private static void put(byte[] header, int offset, String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(bytes, 0, header, offset, bytes.length);
        }
    }
}
