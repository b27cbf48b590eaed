package dev.exporter.archives;

import dev.exporter.docker.DockerArchiveReader;
import dev.exporter.image.Descriptor;
import dev.exporter.image.Image;
import dev.exporter.image.ImageSource;
import dev.exporter.image.SourceImage;
import dev.exporter.layout.OciLayoutReader;
import dev.exporter.reference.Digest;
import dev.exporter.tar.Compression;
import dev.exporter.testing.Dockerd;
import dev.exporter.testing.Exec;
import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ExternalTools;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedDockerd;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TempDirs;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The readers against archives the real tools write from one image in the test registry: docker save (dockerd
 * 20.10), podman save, skopeo copy, our own three formats, and gzip and zstd copies. The image is OCI-typed so
 * that skopeo's OCI outputs keep its config (converting a Docker image to OCI, skopeo rewrites the config). Each must yield the registry
 * image's config digest and diff ids under the names the tool wrote, and every blob must open and verify.
 */
@ExtendWith(SharedResources.class)
class RealArchivesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final TestImage IMAGE = TestImages.small(ImageFormat.OCI, "sources");

    private static String ref;
    private static String host;
    private static Path podmanDir;

    @TempDir
    Path dir;

    /** Writes the archive (file or folder) under test into the given folder and returns it. */
    @FunctionalInterface
    interface Maker {
        Path make(Path dir);
    }

    /** How the test opens the archive: {@link ArchiveSources#open} unless a case names a reader. */
    @FunctionalInterface
    interface Opener {
        ImageSource open(Path archive, Path tempDir) throws IOException;
    }

    @BeforeAll
    static void pushImage() {
        LocalRegistry registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(IMAGE, "sources/app", "v1");
        host = registry.hostPort();
        ref = host + "/sources/app:v1";
    }

    @AfterAll
    static void removePodmanStore() {
        if (podmanDir != null) {
            TempDirs.deleteQuietly(podmanDir);
        }
    }

    /** A case opened with {@link ArchiveSources#open}, which must pick {@code reader}. */
    private static Arguments detected(String name, Maker maker, Class<?> reader, List<String> names) {
        return Arguments.of(name, maker, (Opener) ArchiveSources::open, reader, names);
    }

    static Stream<Arguments> archives() {
        Class<?> docker = DockerArchiveReader.class;
        Class<?> layout = OciLayoutReader.class;
        List<String> registryName = List.of(ref);
        return Stream.of(
                detected("docker save", RealArchivesTest::dockerSave, docker, registryName),
                detected("docker save, three tags", RealArchivesTest::dockerSaveThreeTags, docker,
                        List.of(ref, host + "/sources/app:v2", "other:latest")),
                detected("docker save | gzip", d -> compress("gzip", dockerSave(d)), docker, registryName),
                detected("exporter --format docker", d -> exporter(d, "docker", "ours.tar"), docker, registryName),
                detected("exporter --format oci", d -> exporter(d, "oci", "ours-oci.tar"), layout, registryName),
                // the same tar through its manifest.json, as docker 25+ writes it: the docker reader reads that too
                Arguments.of("exporter --format oci, read as a docker archive",
                        (Maker) d -> exporter(d, "oci", "ours-oci.tar"), (Opener) DockerArchiveReader::open, docker,
                        registryName),
                detected("exporter --format oci | zstd", d -> compress("zstd", exporter(d, "oci", "ours-oci.tar")),
                        layout, registryName),
                detected("exporter --format oci-dir", d -> exporter(d, "oci-dir", "ours-layout"), layout, registryName),
                // skopeo writes the name it was given, normalized
                detected("skopeo docker-archive:", d -> skopeo(d, "docker-archive:", "skopeo.tar", ":sources/app:v1"),
                        docker, List.of("docker.io/sources/app:v1")),
                detected("skopeo oci-archive:", d -> skopeo(d, "oci-archive:", "skopeo-oci.tar", ":v1"), layout,
                        List.of("v1")),
                detected("skopeo oci:", d -> skopeo(d, "oci:", "skopeo-layout", ":v1"), layout, List.of("v1")),
                detected("podman save", d -> podmanSave(d, "docker-archive", "podman.tar"), docker, registryName),
                detected("podman save --format oci-archive", d -> podmanSave(d, "oci-archive", "podman-oci.tar"),
                        layout, registryName));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("archives")
    void open_realArchive_yieldsTheRegistryImage_andEveryBlobVerifies(String name, Maker maker, Opener opener,
                                                                      Class<?> reader, List<String> names)
            throws IOException {
        Path archive = maker.make(dir);
        Path temp = Files.createDirectory(dir.resolve("temp"));

        try (ImageSource source = opener.open(archive, temp)) {
            assertInstanceOf(reader, source);
            List<SourceImage> images = source.images();
            assertEquals(1, images.size(), "one entry");
            SourceImage entry = images.get(0);
            assertEquals(names, entry.names());
            assertEquals(1, entry.images().size());
            Image image = entry.images().get(0);
            assertEquals(IMAGE.configDigest(), image.config().digest().toString());
            assertEquals(IMAGE.diffIds(), image.config().diffIds().stream().map(Digest::toString).toList());

            Descriptor root = Descriptor.of(entry.root().mediaType(), entry.root().digest(), entry.root().raw().length);
            drain(source, root);
            drain(source, image.manifest().config());
            List<String> diffIds = new ArrayList<>();
            for (Descriptor layer : image.manifest().layers()) {
                diffIds.add(diffId(source, layer));
            }
            assertEquals(IMAGE.diffIds(), diffIds, "layers decompress to the config's diff ids");
        }
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of(), left.toList(), "temporary files deleted on close");
        }
    }

    private static void drain(ImageSource source, Descriptor blob) throws IOException {
        try (InputStream in = source.open(blob)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    /** The sha256 of the layer decompressed, read through the source's verifying stream. */
    private static String diffId(ImageSource source, Descriptor layer) throws IOException {
        MessageDigest sha256 = Digest.newSha256();
        try (InputStream in = Compression.decompressing(source.open(layer))) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) != -1; ) {
                sha256.update(buffer, 0, n);
            }
        }
        return Digest.sha256(sha256.digest()).toString();
    }

    private static Path dockerSave(Path dir) {
        Dockerd docker = SharedDockerd.get();
        docker.docker("pull", ref).check();
        Path out = dir.resolve("docker-save.tar");
        docker.save(List.of(ref), out);
        return out;
    }

    private static Path dockerSaveThreeTags(Path dir) {
        Dockerd docker = SharedDockerd.get();
        docker.docker("pull", ref).check();
        docker.docker("tag", ref, host + "/sources/app:v2").check();
        docker.docker("tag", ref, "other:latest").check();
        Path out = dir.resolve("docker-save-tags.tar");
        docker.save(List.of(ref, host + "/sources/app:v2", "other:latest"), out);
        return out;
    }

    private static Path exporter(Path dir, String format, String name) {
        Path out = dir.resolve(name);
        ExporterCli.Result result = ExporterCli.create().run(ref, "--format", format, "-q", "-o", out.toString());
        assertEquals(0, result.exitCode(), result.stderr());
        return out;
    }

    private static Path skopeo(Path dir, String transport, String name, String suffix) {
        ExternalTools.require("skopeo");
        Path out = dir.resolve(name);
        run("skopeo", "copy", "--src-tls-verify=false", "docker://" + ref, transport + out + suffix);
        return out;
    }

    private static Path podmanSave(Path dir, String format, String name) {
        ExternalTools.require("podman");
        Path out = dir.resolve(name);
        podman("pull", "--tls-verify=false", ref);
        podman("save", "--format", format, "-o", out.toString(), ref);
        return out;
    }

    /** Rootful podman with its own store in a temporary folder, vfs so no kernel overlay is needed. */
    private static void podman(String... args) {
        if (podmanDir == null) {
            podmanDir = TempDirs.createShort("podman");
            try {
                Files.writeString(podmanDir.resolve("auth.json"), "{}");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<String> command = new ArrayList<>(List.of("podman", "--root", podmanDir.resolve("root").toString(),
                "--runroot", podmanDir.resolve("run").toString(), "--storage-driver", "vfs",
                "--events-backend", "file", "--cgroup-manager", "cgroupfs"));
        command.addAll(List.of(args));
        // an empty credentials file of its own: podman refuses a REGISTRY_AUTH_FILE that does not exist
        Exec.run(TIMEOUT, Map.of("REGISTRY_AUTH_FILE", podmanDir.resolve("auth.json").toString()), null, command).check();
    }

    private static Path compress(String tool, Path file) {
        ExternalTools.require(tool);
        run(tool, "-q", "-k", file.toString());
        return Path.of(file + (tool.equals("gzip") ? ".gz" : ".zst"));
    }

    private static void run(String... command) {
        Exec.run(TIMEOUT, command).check();
    }
}
