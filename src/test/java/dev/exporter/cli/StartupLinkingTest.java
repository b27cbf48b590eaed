package dev.exporter.cli;

import dev.exporter.testing.ExporterCli;
import dev.exporter.testing.ImageFormat;
import dev.exporter.testing.LocalRegistry;
import dev.exporter.testing.RegistryPusher;
import dev.exporter.testing.SharedRegistries;
import dev.exporter.testing.SharedResources;
import dev.exporter.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
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
 * The README says no record's generated {@code equals}/{@code hashCode}/{@code toString} is linked on the way of a
 * pull or a push: they are bootstrapped through method handles ({@code java.lang.runtime.ObjectMethods}), some 20 ms
 * of start-up the first time. A record used as a map key or compared must spell its methods out; this test runs the
 * real commands against the real registry with the JVM's class-loading log and fails when that class is loaded.
 * The same log shows that picocli's converters for {@code java.sql} types, which no option has, are not set up.
 */
@ExtendWith(SharedResources.class)
class StartupLinkingTest {

    private static final String OBJECT_METHODS = "java.lang.runtime.ObjectMethods ";

    private static String ref;
    private static LocalRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        registry = SharedRegistries.anonymous();
        new RegistryPusher(registry).push(TestImages.small(ImageFormat.DOCKER, "startup"), "startup/app", "1");
        ref = registry.hostPort() + "/startup/app:1";
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "oci"})
    void pullAndPush_linkNoRecordMethod(String format) throws IOException {
        Path archive = dir.resolve("image.tar");
        List<String> pulled = loadedClasses("pull", ref, "--format", format, "-o", archive.toString(), "-q", "--no-cache");
        List<String> pushed = loadedClasses("push", "push", archive.toString(),
                registry.hostPort() + "/startup/pushed-" + format + ":1", "-q");

        assertTrue(pulled.stream().noneMatch(line -> line.contains(OBJECT_METHODS)), "a pull linked record methods");
        assertTrue(pulled.stream().noneMatch(line -> line.startsWith("[") && line.contains("] java.sql.")),
                "picocli's java.sql converters are left out (Cli.UNUSED_CONVERTERS)");
        assertTrue(pushed.stream().noneMatch(line -> line.contains(OBJECT_METHODS)), "a push linked record methods");
    }

    /** Runs the CLI with {@code args}, returns its class-loading log (which names every class it loaded). */
    private List<String> loadedClasses(String name, String... args) throws IOException {
        Path log = dir.resolve(name + "-classes.log");
        ExporterCli.Result result = ExporterCli.create().workDir(dir)
                .jvmArgs("-Xlog:class+load=info:file=" + log).run(args);
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = Files.readAllLines(log);
        assertTrue(lines.stream().anyMatch(line -> line.contains("dev.exporter.cli.Main ")),
                "the log lists the classes the run loaded: " + log);
        return lines;
    }
}
