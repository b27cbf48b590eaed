package dev.exporter.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Guards tests that need an external binary (docker-registry, dockerd, ...).
 *
 * <p>A missing tool fails the test, locally as on CI ({@code CI=true}), so a machine without it cannot silently
 * turn integration tests into no-ops. Only {@code EXPORTER_SKIP_INTEGRATION=1}, and never on CI, turns that into
 * a skip (the test is aborted).
 */
public final class ExternalTools {

    static final String SKIP = "EXPORTER_SKIP_INTEGRATION";

    private ExternalTools() {
    }

    /** Fails the current test unless {@code binary} is on the PATH; skips it instead with {@value #SKIP}=1 off CI. */
    public static void require(String binary) {
        if (isOnPath(binary)) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI requires " + binary + "; install it in .ci/run");
        }
        if ("1".equals(System.getenv(SKIP))) {
            Assumptions.abort(binary + " is not on the PATH; skipping (" + SKIP + "=1)");
        }
        fail(binary + " is not on the PATH: install it (see .ci/run) or set " + SKIP + "=1 to skip integration tests");
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
