package dev.exporter.cli;

import dev.exporter.testing.Dockerd;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --format docker} against what the test dockerd's own {@code docker save} writes for the same image, which
 * docker pulled itself from the test registry (so nothing of ours went into docker's copy): every raw tar header,
 * field by field, then the whole archive byte for byte.
 */
@ExtendWith(SharedResources.class)
class DockerSaveHeadersTest {

    /** The ustar header fields (offset, length), checksum included: a mismatch names the field. */
    private static final Map<String, int[]> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("name", new int[]{0, 100});
        FIELDS.put("mode", new int[]{100, 8});
        FIELDS.put("uid", new int[]{108, 8});
        FIELDS.put("gid", new int[]{116, 8});
        FIELDS.put("size", new int[]{124, 12});
        FIELDS.put("mtime", new int[]{136, 12});
        FIELDS.put("checksum", new int[]{148, 8});
        FIELDS.put("typeflag", new int[]{156, 1});
        FIELDS.put("linkname", new int[]{157, 100});
        FIELDS.put("magic+version", new int[]{257, 8});
        FIELDS.put("uname", new int[]{265, 32});
        FIELDS.put("gname", new int[]{297, 32});
        FIELDS.put("devmajor", new int[]{329, 8});
        FIELDS.put("devminor", new int[]{337, 8});
        FIELDS.put("prefix+rest", new int[]{345, 167});
    }

    private static LocalRegistry registry;
    private static RegistryPusher pusher;
    private static Dockerd docker;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        registry = SharedRegistries.anonymous();
        pusher = new RegistryPusher(registry);
        docker = SharedDockerd.get();
    }

    /** One raw header block, with the content of a PAX extended header (empty for other entries). */
    private record Header(byte[] block, byte[] pax) {
        String name() {
            return text(0, 100);
        }

        char type() {
            return (char) block[156];
        }

        String text(int offset, int length) {
            int end = offset;
            while (end < offset + length && block[end] != 0) {
                end++;
            }
            return new String(block, offset, end - offset, StandardCharsets.UTF_8);
        }

        /** The field as printable text: octal digits, names, or the raw bytes where they are not text. */
        String field(String field) {
            int[] at = FIELDS.get(field);
            return Arrays.toString(Arrays.copyOfRange(block, at[0], at[0] + at[1])) + " \"" + text(at[0], at[1]) + "\"";
        }
    }

    /** Every header of {@code tar} in order, PAX extended headers included, up to the end-of-archive blocks. */
    private static List<Header> headers(Path tar) throws IOException {
        byte[] bytes = Files.readAllBytes(tar);
        List<Header> headers = new ArrayList<>();
        for (int at = 0; at + 512 <= bytes.length && bytes[at] != 0; ) {
            byte[] block = Arrays.copyOfRange(bytes, at, at + 512);
            long size = Long.parseLong(new String(block, 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            byte[] pax = block[156] == 'x' ? Arrays.copyOfRange(bytes, at + 512, at + 512 + (int) size) : new byte[0];
            headers.add(new Header(block, pax));
            at += 512 + (int) ((size + 511) / 512 * 512);
        }
        return headers;
    }

    private void assertSameHeaders(Path theirs, Path ours) throws IOException {
        List<Header> expected = headers(theirs);
        List<Header> actual = headers(ours);
        assertEquals(expected.stream().map(Header::name).toList(), actual.stream().map(Header::name).toList(),
                "entries and their order");
        for (int i = 0; i < expected.size(); i++) {
            Header t = expected.get(i);
            Header o = actual.get(i);
            for (String field : FIELDS.keySet()) {
                assertEquals(t.field(field), o.field(field), t.name() + ": " + field);
            }
            assertEquals(new String(t.pax(), StandardCharsets.UTF_8), new String(o.pax(), StandardCharsets.UTF_8),
                    t.name() + ": PAX records");
        }
    }

    /** Pushes {@code image}, lets docker pull and save it, and exports it with us; returns {theirs, ours}. */
    private Path[] saveBoth(TestImage image, String repo) {
        pusher.push(image, repo, "1");
        String ref = registry.hostPort() + "/" + repo + ":1";
        docker.removeAllImages();
        docker.docker("pull", ref).check();
        Path theirs = dir.resolve("theirs.tar");
        docker.save(List.of(ref), theirs);
        Path ours = dir.resolve("ours.tar");
        ExporterCli.Result result = ExporterCli.create().run(ref, "--format", "docker", "-q", "-o", ours.toString());
        assertEquals(0, result.exitCode(), result.stderr());
        return new Path[]{theirs, ours};
    }

    @Test
    void dockerFormat_writesEveryHeaderAndByteAsDockerSave() throws IOException {
        Path[] archives = saveBoth(TestImages.small(ImageFormat.DOCKER, "headers"), "headers/small");

        assertSameHeaders(archives[0], archives[1]);
        assertTrue(headers(archives[1]).stream().anyMatch(h -> h.type() == '5'), "folders compared too");
        assertArrayEquals(Files.readAllBytes(archives[0]), Files.readAllBytes(archives[1]), "the whole archive");
    }

    /**
     * A repeated layer is a symlink to the earlier layer.tar, in a folder whose entries docker 20.10 leaves at the time
     * of saving (ours keep the image's time, reproducibly); every other field of every header is docker's.
     */
    @Test
    void dockerFormat_withRepeatedLayer_writesDockerSaveHeadersAndSymlinks() throws IOException {
        Path[] archives = saveBoth(TestImages.repeatedAndEmptyLayers(ImageFormat.DOCKER), "headers/repeated");
        List<Header> theirs = headers(archives[0]);
        List<Header> ours = headers(archives[1]);
        List<String> linkedFolders = theirs.stream().filter(h -> h.type() == '2').map(h -> h.name().split("/")[0]).toList();
        assertTrue(!linkedFolders.isEmpty(), "a symlinked layer");
        assertEquals(theirs.size(), ours.size());
        for (int i = 0; i < theirs.size(); i++) {
            Header t = theirs.get(i);
            Header o = ours.get(i);
            for (String field : FIELDS.keySet()) {
                boolean savingTime = linkedFolders.contains(t.name().split("/")[0])
                        && (field.equals("mtime") || field.equals("checksum"));
                if (!savingTime) {
                    assertEquals(t.field(field), o.field(field), t.name() + ": " + field);
                }
            }
        }
    }
}
