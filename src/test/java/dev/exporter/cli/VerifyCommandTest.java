package dev.exporter.cli;

import dev.exporter.testing.Dockerd;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ExternalTools;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImages;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code exporter verify}: sound archives pass, one flipped byte in any blob fails naming that blob. */
@ExtendWith(SharedResources.class)
class VerifyCommandTest {

    private static String ref;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.OCI, "verify"), "verify/app", "1");
        ref = registry.hostPort() + "/verify/app:1";
    }

    private Path export(String format, String name) {
        Path out = dir.resolve(name);
        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(ref, "--format", format, "-o", out.toString(), "-q", "--no-cache");
        assertEquals(0, result.exitCode(), result.stderr());
        return out;
    }

    private ExporterCli.Result verify(Path path) {
        return ExporterCli.create().workDir(dir).run("verify", path.toString());
    }

    private static void flipByteOf(Path tar, TarArchiveEntry entry) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(tar.toFile(), "rw")) {
            long at = entry.getDataOffset() + entry.getSize() / 2;
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "oci", "oci-dir"})
    void verify_ofOurOwnFormats_passes(String format) throws IOException {
        Path out = export(format, "out-" + format);

        ExporterCli.Result result = verify(out);

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdoutText().startsWith("OK       " + (format.equals("docker") ? ref.substring(0, ref.indexOf('/')) : ref)),
                result.stdoutText());
        assertEquals(1, result.stdoutText().lines().count(), result.stdoutText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "zstd"})
    void verify_ofACompressedArchive_passes(String tool) throws Exception {
        ExternalTools.require(tool);
        Path out = export("oci", "out.tar");
        Process p = new ProcessBuilder(tool, "-q", "-k", out.toString()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        Path compressed = dir.resolve(tool.equals("gzip") ? "out.tar.gz" : "out.tar.zst");

        ExporterCli.Result result = verify(compressed);

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdoutText().startsWith("OK "), result.stdoutText());
    }

    @Test
    void verify_ofADockerSaveArchive_passes() throws IOException {
        Dockerd docker = SharedDockerd.get();
        assertEquals(0, docker.docker("pull", ref).exitCode());
        Path saved = dir.resolve("saved.tar");
        docker.save(java.util.List.of(ref), saved);

        ExporterCli.Result result = verify(saved);

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdoutText().startsWith("OK "), result.stdoutText());
    }

    @Test
    void verify_withAFlippedByteInALayerBlob_failsNamingIt() throws IOException {
        Path out = export("oci", "out.tar");
        TarArchiveEntry layer;
        try (TarFile tar = new TarFile(out.toFile())) {
            layer = tar.getEntries().stream().filter(e -> e.getName().startsWith("blobs/sha256/"))
                    .max(Comparator.comparingLong(TarArchiveEntry::getSize)).orElseThrow();
        }
        flipByteOf(out, layer);

        ExporterCli.Result result = verify(out);

        assertEquals(1, result.exitCode(), result.stderr());
        String digest = "sha256:" + layer.getName().substring("blobs/sha256/".length());
        assertTrue(result.stdoutText().startsWith("DAMAGED  " + ref), result.stdoutText());
        assertTrue(result.stdoutText().contains(digest) && result.stdoutText().contains("digest mismatch"), result.stdoutText());
        assertEquals("exporter: verify " + out + ": damaged (see above)", result.error());
    }

    @Test
    void verify_withAFlippedByteInALayerFileOfAnOciDir_failsNamingIt() throws IOException {
        Path out = export("oci-dir", "layout");
        Path blob;
        try (Stream<Path> blobs = Files.list(out.resolve("blobs/sha256"))) {
            blob = blobs.max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);

        ExporterCli.Result result = verify(out);

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stdoutText().contains("sha256:" + blob.getFileName()), result.stdoutText());
    }

    @Test
    void verify_withAFlippedByteInALayerTar_failsNamingTheLayerPath() throws IOException {
        Path out = export("docker", "out.tar");
        TarArchiveEntry layer;
        try (TarFile tar = new TarFile(out.toFile())) {
            layer = tar.getEntries().stream().filter(e -> e.getName().endsWith("/layer.tar") && e.isFile())
                    .max(Comparator.comparingLong(TarArchiveEntry::getSize)).orElseThrow();
        }
        flipByteOf(out, layer);

        ExporterCli.Result result = verify(out);

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stdoutText().contains("DAMAGED") && result.stdoutText().contains(layer.getName()),
                result.stderr() + result.stdoutText());
    }

    @Test
    void verify_ofSomethingThatIsNoArchive_failsWithOneLine() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.tar"), "not a tar at all");

        ExporterCli.Result result = verify(junk);

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.error().startsWith("exporter: verify " + junk + ": "), result.error());
        assertEquals(1, result.error().lines().count(), result.error());
    }
}
