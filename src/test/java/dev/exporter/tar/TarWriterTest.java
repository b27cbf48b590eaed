package dev.exporter.tar;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TarWriterTest {

    @TempDir
    Path dir;

    @Test
    void entries_readBackWithTheirNamesContentTimesTypesAndModes_includingPaxLongNames() throws Exception {
        Path content = dir.resolve("content.bin");
        byte[] bytes = new byte[70_000];
        new java.util.Random(1).nextBytes(bytes);
        Files.write(content, bytes);
        String longName = "blobs/sha512/" + "a".repeat(128);
        Instant time = Instant.parse("2024-03-04T05:06:07Z");
        Path tar = dir.resolve("out.tar");
        try (FileChannel out = FileChannel.open(tar, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             TarWriter writer = new TarWriter(out)) {
            writer.directory("folder", time);
            writer.file("folder/small.txt", "hello".getBytes(StandardCharsets.UTF_8), time);
            writer.file(longName, content, time);
            writer.symlink("folder/link", "../" + "b".repeat(120), time);
        }

        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
                assertEquals(time.toEpochMilli(), e.getModTime().getTime(), e.getName());
                assertEquals(0, e.getLongUserId());
                // the file-type bits as docker save writes them, not just the permissions
                assertEquals(e.isSymbolicLink() ? 0120777 : e.isDirectory() ? 040755 : 0100644, e.getMode(), e.getName());
                if (e.getName().equals(longName)) {
                    assertArrayEquals(bytes, in.readAllBytes());
                } else if (e.getName().equals("folder/small.txt")) {
                    assertEquals("hello", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } else if (e.isSymbolicLink()) {
                    assertEquals("../" + "b".repeat(120), e.getLinkName());
                } else {
                    assertTrue(e.isDirectory(), e.getName());
                }
            }
        }
        assertEquals(List.of("folder/", "folder/small.txt", longName, "folder/link"), names);
        assertEquals(0, Files.size(tar) % 512);
        // Go's archive/tar (docker's) names a PAX extended header <dir>/PaxHeaders.0/<file>, with mode and time 0
        byte[] raw = Files.readAllBytes(tar);
        int pax = new String(raw, StandardCharsets.ISO_8859_1).indexOf("blobs/sha512/PaxHeaders.0/aaa");
        assertEquals(0, pax % 512, "a header starts with the PAX name");
        assertEquals('x', raw[pax + 156]);
        assertEquals("0000000", new String(raw, pax + 100, 7, StandardCharsets.US_ASCII));
        assertEquals("00000000000", new String(raw, pax + 136, 11, StandardCharsets.US_ASCII));
        Process gnuTar = new ProcessBuilder("tar", "-tf", tar.toString()).redirectErrorStream(true).start();
        String listing = new String(gnuTar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gnuTar.waitFor(), listing);
        assertEquals(List.of("folder/", "folder/small.txt", longName, "folder/link"), listing.lines().toList());
    }
}
