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
