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
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code -o NAME.tar.gz} / {@code .tar.zst}: the whole archive compressed, readable by gzip, zstd, docker and verify. */
@ExtendWith(SharedResources.class)
class CompressedOutputTest {

    private static TestImage image;
    private static String ref;

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        LocalRegistry registry = SharedRegistries.anonymous();
        image = TestImages.small(ImageFormat.DOCKER, "compressed");
        new RegistryPusher(registry).push(image, "compressed/app", "1");
        ref = registry.hostPort() + "/compressed/app:1";
    }

    private Path export(String name, String format) {
        Path out = dir.resolve(name);
        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(ref, "--format", format, "-o", out.toString(), "-q", "--no-cache");
        assertEquals(0, result.exitCode(), result.stderr());
        return out;
    }

    private static byte[] run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command));
        return out;
    }

    @ParameterizedTest
    @CsvSource({"out.tar.gz,gzip,docker", "out.tgz,gzip,oci", "out.tar.zst,zstd,docker", "out.tar.zst,zstd,oci"})
    void compressedName_writesTheSameArchiveCompressed(String name, String tool, String format) throws Exception {
        ExternalTools.require(tool);
        Path plain = export("plain.tar", format);
        Path compressed = export(name, format);

        run(tool, "-t", compressed.toString());
        assertArrayEquals(Files.readAllBytes(plain), run(tool, "-dc", compressed.toString()), "same archive inside");
        ExporterCli.Result verified = ExporterCli.create().workDir(dir).run("verify", compressed.toString());
        assertEquals(0, verified.exitCode(), verified.stderr() + verified.stdoutText());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary left");
        }
    }

    @Test
    void gzippedDockerArchive_loadsIntoDocker() throws IOException {
        Path compressed = export("app.tar.gz", "docker");
        Dockerd docker = SharedDockerd.get();
        docker.removeAllImages();

        docker.load(compressed);

        assertEquals(image.configDigest(), docker.inspect(ref).get("Id").asText());
    }
}
