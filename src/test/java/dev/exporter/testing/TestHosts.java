package dev.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A hosts file that maps {@code registry.test} to 127.0.0.1, for running the CLI with
 * {@code -Djdk.net.hosts.file=...}. Loopback names get docker's "insecure registry" treatment, so tests of real
 * TLS verification need a name that is not loopback but still reaches the local registry.
 */
public final class TestHosts {

    public static final String NAME = "registry.test";

    private TestHosts() {
    }

    /** JVM argument that makes {@link #NAME} resolve to 127.0.0.1 (and localhost keep working). */
    public static String jvmArg() {
        try {
            Path file = Files.createTempFile("exporter-hosts", ".txt");
            file.toFile().deleteOnExit();
            Files.writeString(file, "127.0.0.1 localhost " + NAME + "\n::1 localhost\n");
            return "-Djdk.net.hosts.file=" + file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
