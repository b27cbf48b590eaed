package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ExternalTools;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -o} naming something that is not a regular file: devices and FIFOs are written straight through and never
 * replaced, a folder is refused before anything is downloaded. The device nodes live on a tmpfs in a private mount
 * namespace ({@code unshare -m}), so the machine's own {@code /dev} is never touched.
 */
@ExtendWith(SharedResources.class)
class OutputTargetsTest {

    private static String image;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.DOCKER, "targets"), "targets/app", "1");
        image = registry.hostPort() + "/targets/app:1";
    }

    /** Runs the exporter with the devices {@code D/null}, {@code D/full} and a FIFO {@code D/fifo} (read into D/copy). */
    private ExporterCli.Result inNamespace(String format, String target) throws IOException {
        ExternalTools.require("unshare");
        Path d = Files.createDirectory(dir.resolve("d"));
        Path keep = Files.createDirectory(dir.resolve("keep"));
        String script = "set -e; mount -t tmpfs none " + d + "; mknod " + d + "/null c 1 3; mknod " + d + "/full c 1 7; "
                + "mkfifo " + d + "/fifo; cat " + d + "/fifo > " + d + "/copy & reader=$!; set +e; "
                + "if [ " + target + " != fifo ]; then exec 3>" + d + "/fifo; fi; \"$@\"; rc=$?; exec 3>&-; wait $reader; "
                + "for n in null full; do [ -c " + d + "/$n ] && echo \"$n is still a device\" >&2; done; "
                + "[ -p " + d + "/fifo ] && echo 'fifo is still a fifo' >&2; "
                + "cp " + d + "/copy " + keep + "/copy; ls -A " + d + " | tr '\\n' ' ' >&2; exit $rc";
        return ExporterCli.create().workDir(dir).wrappedIn("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh")
                .run(image, "--format", format, "-o", d + "/" + target, "--no-cache");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "oci"})
    void output_toDevNull_succeedsAndLeavesTheDevice(String format) throws IOException {
        ExporterCli.Result result = inNamespace(format, "null");
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("null is still a device"), result.stderr());
        assertTrue(result.stderr().contains("full is still a device"), result.stderr());
        assertTrue(result.stderr().trim().endsWith("copy fifo full null"), "nothing else was created: " + result.stderr());
    }

    @Test
    void output_toDevFull_failsWithNoSpaceAndLeavesTheDevice() throws IOException {
        ExporterCli.Result result = inNamespace("docker", "full");
        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("\nexporter: write " + dir.resolve("d/full") + ": No space left on device\n"),
                result.stderr());
        assertTrue(result.stderr().contains("full is still a device"), result.stderr());
        assertTrue(result.stderr().trim().endsWith("copy fifo full null"), "nothing else was created: " + result.stderr());
    }

    @Test
    void output_toFifo_streamsAWholeArchiveAndLeavesTheFifo() throws IOException {
        ExporterCli.Result result = inNamespace("docker", "fifo");
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("fifo is still a fifo"), result.stderr());
        Path copy = dir.resolve("keep/copy");
        List<String> entries = tarEntries(copy);
        assertTrue(entries.contains("manifest.json"), entries.toString());
    }

    @Test
    void output_toAFolder_isRefusedBeforeDownloading() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("folder"));
        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(image, "-o", folder.toString(), "--no-cache");
        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("exporter: write " + folder + ": is a folder; name a file to write (or use --format oci-dir for a"
                + " layout folder)", result.error());
        try (var files = Files.list(folder)) {
            assertEquals(List.of(), files.toList());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(folder), files.toList(), "no temporary left beside it");
        }
    }

    private byte[] plainExport(String format) throws IOException {
        Path out = dir.resolve("plain-" + format + ".tar");
        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(image, "--format", format, "-o", out.toString(),
                "-q", "--no-cache");
        assertEquals(0, result.exitCode(), result.stderr());
        return Files.readAllBytes(out);
    }

    /**
     * {@code -o /dev/stdout} with standard output redirected to a file: written straight through into that file. A
     * rename over it once replaced the system's {@code /dev/stdout} link with the archive; here {@code /dev} is a
     * tmpfs of a private mount namespace, with its own {@code stdout} link, so a regression cannot touch the machine's.
     */
    @Test
    void output_toDevStdoutRedirectedToAFile_writesThatFile_andTheLinkStays() throws IOException {
        ExternalTools.require("unshare");
        Path redirected = dir.resolve("redirected.tar");
        String script = "set -e; mount -t tmpfs none /dev; mknod /dev/null c 1 3; mknod /dev/zero c 1 5; "
                + "mknod /dev/random c 1 8; mknod /dev/urandom c 1 9; ln -s /proc/self/fd/1 /dev/stdout; "
                + "ln -s /proc/self/fd/2 /dev/stderr; set +e; \"$@\" > " + redirected + "; rc=$?; "
                + "[ -L /dev/stdout ] && echo 'stdout is still a link' >&2; exit $rc";
        ExporterCli.Result result = ExporterCli.create().workDir(dir)
                .wrappedIn("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh")
                .run(image, "-o", "/dev/stdout", "-q", "--no-cache");

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("stdout is still a link"), result.stderr());
        assertArrayEquals(plainExport("docker"), Files.readAllBytes(redirected));
    }

    /** {@code /proc/self/fd/1} leads to the redirected file too: written through, no run marker made in /proc. */
    @Test
    void output_toProcSelfFd1RedirectedToAFile_writesThatFile() throws IOException {
        Path redirected = dir.resolve("redirected.tar");
        ExporterCli.Result result = ExporterCli.create().workDir(dir)
                .wrappedIn("sh", "-c", "exec \"$@\" > " + redirected, "sh")
                .run(image, "--format", "oci", "-o", "/proc/self/fd/1", "-q", "--no-cache");

        assertEquals(0, result.exitCode(), result.stderr());
        assertArrayEquals(plainExport("oci"), Files.readAllBytes(redirected));
    }

    /** A link to a regular file stays a link; the file it leads to gets the archive, atomically as any file. */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "oci"})
    void output_toALinkToARegularFile_replacesTheFileAndKeepsTheLink(String format) throws IOException {
        Path real = Files.writeString(dir.resolve("real.tar"), "old content");
        Path link = Files.createSymbolicLink(dir.resolve("link.tar"), real.getFileName());

        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(image, "--format", format, "-o", link.toString(),
                "-q", "--no-cache");

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(Files.isSymbolicLink(link), "still a link");
        assertArrayEquals(plainExport(format), Files.readAllBytes(real));
    }

    private static List<String> tarEntries(Path tar) throws IOException {
        List<String> names = new java.util.ArrayList<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(tar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
