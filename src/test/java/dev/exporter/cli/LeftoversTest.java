package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ExternalTools;
import dev.exporter.testing.FaultProxy;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImage;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an interrupted or killed run leaves, and what the next run makes of it: SIGTERM leaves nothing (cache
 * partials included); SIGKILL leaves temporaries that the next run in the same folders removes; two runs with the
 * same pid (two pid namespaces, as two containers) sharing a cache do not touch each other's partial files.
 */
@ExtendWith(SharedResources.class)
class LeftoversTest {

    private static FaultProxy proxy;
    private static String ref;
    private static String bigLayer;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        LocalRegistry registry = SharedRegistries.anonymous();
        TestImage image = TestImages.small(ImageFormat.DOCKER, "leftovers");
        new RegistryPusher(registry).push(image, "leftovers/app", "1");
        bigLayer = image.layers().get(2).digest();
        proxy = FaultProxy.start(registry.baseUri());
        ref = proxy.hostPort() + "/leftovers/app:1";
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @BeforeEach
    void reset() {
        proxy.reset();
    }

    private Process startSlow(Path out, Path cache) throws Exception {
        proxy.when(FaultProxy.blob(bigLayer)).respond("throttle", FaultProxy.throttle(4 * 1024));
        Process process = ExporterCli.create().workDir(dir).start(dir.resolve("stdout"), dir.resolve("stderr"),
                ref, "-o", out.toString(), "--cache", cache.toString(), "-q");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (proxy.blobRequests(bigLayer).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(1500); // some bytes of the big layer reach the partial file
        assertTrue(process.isAlive(), "still downloading");
        return process;
    }

    private static List<String> names(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(p -> !p.equals(folder)).map(p -> folder.relativize(p).toString()).sorted().toList();
        }
    }

    private static boolean isTemporary(String name) {
        return name.contains(".partial-") || name.contains(".exporter-") || name.endsWith(".tmp");
    }

    @Test
    void sigterm_leavesNothingInTheOutputFolderOrTheCache() throws Exception {
        Path outDir = Files.createDirectory(dir.resolve("out"));
        Path cache = dir.resolve("cache");
        Process process = startSlow(outDir.resolve("app.tar"), cache);
        assertTrue(names(cache).stream().anyMatch(n -> n.contains(".partial-")), "a partial exists: " + names(cache));

        process.destroy();

        assertTrue(process.waitFor(15, TimeUnit.SECONDS));
        assertNotEquals(0, process.exitValue());
        assertEquals(List.of(), names(outDir));
        assertFalse(names(cache).stream().anyMatch(LeftoversTest::isTemporary), "cache: " + names(cache));
    }

    @Test
    void sigkill_leavesTemporariesThatTheNextRunRemoves() throws Exception {
        Path outDir = Files.createDirectory(dir.resolve("out"));
        Path out = outDir.resolve("app.tar");
        Path cache = dir.resolve("cache");
        Process process = startSlow(out, cache);

        process.destroyForcibly();
        assertTrue(process.waitFor(15, TimeUnit.SECONDS));
        assertTrue(names(outDir).stream().anyMatch(LeftoversTest::isTemporary), "killed: " + names(outDir));
        assertTrue(names(cache).stream().anyMatch(n -> n.contains(".partial-")), "killed: " + names(cache));

        proxy.reset();
        ExporterCli.Result rerun = ExporterCli.create().workDir(dir).run(ref, "-o", out.toString(), "--cache",
                cache.toString(), "-q");

        assertEquals(0, rerun.exitCode(), rerun.stderr());
        assertEquals(List.of("app.tar"), names(outDir));
        assertFalse(names(cache).stream().anyMatch(LeftoversTest::isTemporary), "cache: " + names(cache));
    }

    @Test
    void failedPull_intoNewFolders_removesTheFoldersItMade() throws IOException {
        proxy.when(FaultProxy.blob(bigLayer)).respond("flip", FaultProxy.flipByte(100));
        Path out = dir.resolve("new/sub/app.tar");

        ExporterCli.Result result = ExporterCli.create().workDir(dir).run(ref, "-o", out.toString(), "--no-cache");

        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.error().contains("digest mismatch"), result.stderr());
        assertFalse(Files.exists(dir.resolve("new")), names(dir).toString());
    }

    @Test
    void twoRunsWithTheSamePid_sharingACache_bothWriteWholeArchives() throws Exception {
        ExternalTools.require("unshare");
        Path cache = dir.resolve("cache");
        ExporterCli.Result clean = ExporterCli.create().workDir(dir).run(ref, "-o", dir.resolve("clean.tar").toString(), "--no-cache", "-q");
        assertEquals(0, clean.exitCode(), clean.stderr());
        proxy.when(FaultProxy.blob(bigLayer)).respond("throttle", FaultProxy.throttle(16 * 1024));
        Process[] runs = new Process[2];
        for (int i = 0; i < runs.length; i++) {
            runs[i] = ExporterCli.create().workDir(dir).wrappedIn("unshare", "--pid", "--fork", "--mount-proc")
                    .start(dir.resolve("stdout" + i), dir.resolve("stderr" + i), ref, "-o",
                            dir.resolve("run" + i + ".tar").toString(), "--cache", cache.toString(), "-q");
        }
        for (int i = 0; i < runs.length; i++) {
            assertTrue(runs[i].waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, runs[i].exitValue(), Files.readString(dir.resolve("stderr" + i)));
            assertArrayEquals(Files.readAllBytes(dir.resolve("clean.tar")), Files.readAllBytes(dir.resolve("run" + i + ".tar")));
        }
        assertTrue(proxy.blobRequests(bigLayer).size() >= 2, "both runs downloaded the layer at the same time");
        assertFalse(names(cache).stream().anyMatch(LeftoversTest::isTemporary), "cache: " + names(cache));
    }
}
