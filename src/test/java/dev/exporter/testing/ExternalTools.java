package dev.exporter.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Guards tests that need an external binary (docker-registry, dockerd, ...).
 *
 * <p>Locally a missing tool skips (aborts) the test; on CI ({@code CI=true}) it fails it, so a
 * broken CI image cannot silently turn integration tests into no-ops.
 */
public final class ExternalTools {

    private ExternalTools() {
    }

    /** Aborts (locally) or fails (on CI) the current test unless {@code binary} is on the PATH. */
    public static void require(String binary) {
        if (isOnPath(binary)) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI requires " + binary + "; install it in .ci/run");
        }
        Assumptions.abort(binary + " is not on the PATH; skipping");
    }

    /** Whether an executable file named {@code binary} exists in some PATH directory. */
    public static boolean isOnPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, binary);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }
}
