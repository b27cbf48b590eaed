package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several images that share a tag in one OCI layout: each {@code ref.name} is the image's full reference, so
 * skopeo, umoci, oci-image-tool and podman each find every image by its name (they returned either image, called
 * the tag ambiguous, refused the layout or asked which one was meant when all were named by the bare tag), and
 * docker load still loads them all.
 */
@ExtendWith(SharedResources.class)
class OciLayoutNamesTest {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static LocalRegistry registry;
    private static RegistryPusher pusher;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        ExternalTools.require("skopeo");
        ExternalTools.require("oci-image-tool");
        ExternalTools.require("umoci");
        ExternalTools.require("podman");
        registry = SharedRegistries.anonymous();
        pusher = new RegistryPusher(registry);
    }

    private static Exec.Result tool(String... command) {
        return Exec.run(TOOL_TIMEOUT, command).check();
    }

    private static JsonNode json(String text) {
        return Json.parse(text.getBytes(StandardCharsets.UTF_8), "tool output");
    }

    /** Pushes one image per repository, all tagged {@code 1}; returns full reference to image. */
    private Map<String, TestImage> pushSharingATag(String... repositories) {
        Map<String, TestImage> images = new LinkedHashMap<>();
        for (String repository : repositories) {
            TestImage image = TestImages.small(ImageFormat.OCI, repository);
            pusher.push(image, repository, "1");
            images.put(registry.hostPort() + "/" + repository + ":1", image);
        }
        return images;
    }

    private static void export(String format, Path out, String... refs) {
        List<String> args = new ArrayList<>(List.of(refs));
        args.addAll(List.of("--format", format, "-q", "-o", out.toString()));
        ExporterCli.Result result = ExporterCli.create().run(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.stderr());
    }

    private static List<String> refNames(Path layout) throws IOException {
        List<String> names = new ArrayList<>();
        Json.parse(Files.readAllBytes(layout.resolve("index.json")), "index.json").get("manifests")
                .forEach(m -> names.add(m.path("annotations").path("org.opencontainers.image.ref.name").asText(null)));
        return names;
    }

    /** Every consumer addresses every image by its ref.name and reads that image (its config digest). */
    private void assertEveryToolReadsEveryImage(Path layout, Map<String, TestImage> images) {
        // podman in a store of its own (vfs needs no kernel features; the run root's path must be short)
        Path podman = TempDirs.createShort("pdm");
        try {
            assertEveryToolReadsEveryImage(layout, images, podman);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            TempDirs.deleteQuietly(podman);
        }
    }

    private void assertEveryToolReadsEveryImage(Path layout, Map<String, TestImage> images, Path podman)
            throws IOException {
        // the test run points REGISTRY_AUTH_FILE at a file that does not exist, which podman refuses
        Path authFile = Files.writeString(podman.resolve("auth.json"), "{\"auths\":{}}");
        List<String> podmanStore = List.of("podman", "--root", podman.resolve("root").toString(),
                "--runroot", podman.resolve("run").toString(), "--storage-driver", "vfs");
        // oci-image-tool 1.0.0-rc1 has no "imageLayout" type; "image" without --ref validates every index.json entry
        tool("oci-image-tool", "validate", "--type", "image", layout.toString());
        List<String> listed = tool("umoci", "ls", "--layout", layout.toString()).stdout().lines().sorted().toList();
        assertEquals(images.keySet().stream().sorted().toList(), listed, "umoci ls");
        int bundle = 0;
        for (Map.Entry<String, TestImage> e : images.entrySet()) {
            String name = e.getKey();
            TestImage image = e.getValue();
            JsonNode manifest = json(tool("skopeo", "inspect", "--raw", "oci:" + layout + ":" + name).stdout());
            assertEquals(image.configDigest(), manifest.get("config").get("digest").asText(), "skopeo " + name);
            // oci-image-tool's --ref filter deletes from the list it walks and so skips the entry after each one it drops: with
            // the wanted entry third it keeps two and calls the name "not unique"; each repetition filters again
            List<String> validate = new ArrayList<>(List.of("oci-image-tool", "validate", "--type", "image"));
            images.keySet().forEach(unused -> validate.addAll(List.of("--ref", "name=" + name)));
            validate.add(layout.toString());
            tool(validate.toArray(String[]::new));
            tool("umoci", "stat", "--image", layout + ":" + name);
            List<String> pull = new ArrayList<>(podmanStore);
            pull.addAll(List.of("pull", "-q", "--authfile", authFile.toString(), "oci:" + layout + ":" + name));
            assertEquals(image.configDigest().substring(7), tool(pull.toArray(String[]::new)).stdout().strip(), "podman " + name);
            // umoci names the manifest it unpacked in the bundle's mtree file; the rootfs is that image's
            Path unpacked = dir.resolve("bundle-" + bundle++);
            tool("umoci", "unpack", "--image", layout + ":" + name, unpacked.toString());
            assertTrue(Files.exists(unpacked.resolve("sha256_" + image.manifestDigest().substring(7) + ".mtree")), "umoci " + name);
            String seed = image.config().path("config").path("Labels").path("org.opencontainers.image.title").asText();
            assertTrue(Files.readString(unpacked.resolve("rootfs/etc/os-release")).contains("SEED=" + seed), "umoci " + name);
        }
    }

    @Test
    void ociDir_imagesSharingATag_areEachAddressableByTheirFullReference() throws IOException {
        Map<String, TestImage> images = pushSharingATag("names/a/x", "names/b/y", "names/c/z");
        List<String> refs = new ArrayList<>(images.keySet());
        Path layout = dir.resolve("layout");

        export("oci-dir", layout, refs.get(0), refs.get(1));
        export("oci-dir", layout, refs.get(2));
        // exporting a name again replaces its entry, by the same rule
        export("oci-dir", layout, refs.get(0));

        assertEquals(List.of(refs.get(1), refs.get(2), refs.get(0)), refNames(layout));
        assertEveryToolReadsEveryImage(layout, images);
    }

    @Test
    void ociArchive_imagesSharingATag_areEachAddressable_andLoadIntoDocker() throws IOException {
        Map<String, TestImage> images = pushSharingATag("names/tar/x", "names/tar/y");
        Path archive = dir.resolve("two.tar");

        export("oci", archive, images.keySet().toArray(String[]::new));

        Path layout = Files.createDirectory(dir.resolve("unpacked"));
        tool("tar", "-xf", archive.toString(), "-C", layout.toString());
        assertEquals(new ArrayList<>(images.keySet()), refNames(layout));
        assertEveryToolReadsEveryImage(layout, images);
        for (String ref : images.keySet()) {
            JsonNode manifest = json(tool("skopeo", "inspect", "--raw", "oci-archive:" + archive + ":" + ref).stdout());
            assertEquals(images.get(ref).configDigest(), manifest.get("config").get("digest").asText(), "oci-archive: " + ref);
        }
        Dockerd docker = SharedDockerd.get();
        docker.removeAllImages();
        docker.load(archive);
        images.forEach((ref, image) -> assertEquals(image.configDigest(), docker.inspect(ref).get("Id").asText(), ref));
    }

    /** Pulled by digest only: the digest reference is the name, unique and addressable like a tagged one. */
    @Test
    void ociDir_imagePulledByDigest_isNamedByItsDigestReference() throws IOException {
        TestImage image = TestImages.small(ImageFormat.OCI, "names/digest");
        String digest = pusher.push(image, "names/digest", "1");
        String ref = registry.hostPort() + "/names/digest@" + digest;
        Path layout = dir.resolve("by-digest");

        export("oci-dir", layout, ref);

        assertEquals(List.of(ref), refNames(layout));
        assertEveryToolReadsEveryImage(layout, Map.of(ref, image));
    }
}
