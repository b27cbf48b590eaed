package dev.exporter.archives;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What {@link ArchiveSources} says about paths that hold no images; which reader it picks is in {@link RealArchivesTest}. */
class ArchiveSourcesTest {

    @TempDir
    Path dir;

    @Test
    void open_folderWithoutOciLayout_isRefused() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("folder"));

        IOException e = assertThrows(IOException.class, () -> ArchiveSources.open(folder, dir));
        assertEquals("open " + folder + ": a folder without an oci-layout file is not an OCI layout", e.getMessage());
    }

    @Test
    void open_missingPath_isNoSuchFile() {
        Path missing = dir.resolve("missing.tar");

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ArchiveSources.open(missing, dir));
        assertEquals(missing + ": open image archive: no such file", e.getMessage());
    }

    @Test
    void open_compressedTarWithNeitherFormat_isRefused_andLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("other.tar.gz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry("index.json");
            entry.setSize(data.length);
            tar.putArchiveEntry(entry);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        Path temp = Files.createDirectory(dir.resolve("temp"));

        IOException e = assertThrows(IOException.class, () -> ArchiveSources.open(file, temp));
        assertEquals("open " + file + ": neither an OCI layout (index.json and oci-layout) nor a docker save archive "
                + "(manifest.json)", e.getMessage());
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of(), left.toList());
        }
    }
}
