package dev.exporter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.testing.ExporterCli;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Concurrent exports into one {@code oci-dir} keep every entry of {@code index.json} and {@code manifest.json}. */
@ExtendWith(SharedResources.class)
class OciDirConcurrencyTest {

    private static final int IMAGES = 4;
    private static final int ROUNDS = 3;
    private static final List<String> references = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void push() {
        LocalRegistry registry = SharedRegistries.anonymous();
        for (int i = 0; i < IMAGES; i++) {
            new RegistryPusher(registry).push(TestImages.small(ImageFormat.OCI, "concurrent-" + i), "concurrent/app", "v" + i);
            references.add(registry.hostPort() + "/concurrent/app:v" + i);
        }
    }

    @Test
    void concurrentExports_intoOneFolder_keepEveryName() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Path layout = dir.resolve("layout-" + round);
            List<Process> runs = new ArrayList<>();
            for (int i = 0; i < IMAGES; i++) {
                runs.add(ExporterCli.create().workDir(dir).start(dir.resolve("out-" + round + "-" + i),
                        dir.resolve("err-" + round + "-" + i), references.get(i), "--format", "oci-dir", "-o",
                        layout.toString(), "-q", "--no-cache"));
            }
            for (int i = 0; i < IMAGES; i++) {
                assertTrue(runs.get(i).waitFor(120, TimeUnit.SECONDS), "run " + i + " finished");
                assertEquals(0, runs.get(i).exitValue(), Files.readString(dir.resolve("err-" + round + "-" + i)));
            }
            Set<String> names = new TreeSet<>();
            for (JsonNode entry : read(layout.resolve("index.json")).get("manifests")) {
                names.add(entry.path("annotations").path("io.containerd.image.name").asText());
            }
            assertEquals(new TreeSet<>(references), names, "round " + round);
            Set<String> tags = new TreeSet<>();
            for (JsonNode entry : read(layout.resolve("manifest.json"))) {
                entry.path("RepoTags").forEach(tag -> tags.add(tag.asText()));
            }
            assertEquals(IMAGES, tags.size(), "round " + round + ": " + tags);
            try (var files = Files.list(layout)) {
                assertEquals(List.of("blobs", "index.json", "manifest.json", "oci-layout"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "nothing else left in the folder");
            }
        }
    }

    private static JsonNode read(Path file) throws IOException {
        return Json.parse(Files.readAllBytes(file), file.toString());
    }
}
