package dev.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A {@code docker-credential-<name>} shell script in a folder to put on PATH. It speaks the helper protocol:
 * {@code get} answers from what {@link #put} stored (or "credentials not found in native keychain", exit 1),
 * {@code store} and {@code erase} record their input for assertions. Every call is appended to {@link #calls()}.
 */
public final class FakeCredentialHelper {

    private final Path state;

    private FakeCredentialHelper(Path state) {
        this.state = state;
    }

    /** Installs {@code docker-credential-<name>} into {@code binDir}, keeping its state in a folder beside it. */
    public static FakeCredentialHelper install(Path binDir, String name) {
        Path state = binDir.resolveSibling(binDir.getFileName() + "-" + name + "-state");
        try {
            Files.createDirectories(state.resolve("creds"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        script(binDir, name, String.join("\n",
                "state='" + state + "'",
                "input=$(cat)",
                "echo \"$1\" >> \"$state/calls.log\"",
                "case \"$1\" in",
                "  get)",
                "    f=\"$state/creds/$(printf %s \"$input\" | tr -c 'A-Za-z0-9.-' '_')\"",
                "    if [ -f \"$f\" ]; then cat \"$f\"; else echo 'credentials not found in native keychain'; exit 1; fi ;;",
                "  store) printf %s \"$input\" > \"$state/stored.json\" ;;",
                "  erase) printf %s \"$input\" > \"$state/erased.txt\" ;;",
                "  *) echo \"unknown action $1\"; exit 2 ;;",
                "esac"));
        return new FakeCredentialHelper(state);
    }

    /** Installs a {@code docker-credential-<name>} that runs {@code body} (sh) whatever it is asked. */
    public static void script(Path binDir, String name, String body) {
        Path file = binDir.resolve("docker-credential-" + name);
        try {
            Files.createDirectories(binDir);
            Files.writeString(file, "#!/bin/sh\n" + body + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes {@code get} for {@code serverUrl} answer with this user and secret. */
    public FakeCredentialHelper put(String serverUrl, String username, String secret) {
        String json = "{\"ServerURL\":\"" + serverUrl + "\",\"Username\":\"" + username + "\",\"Secret\":\"" + secret + "\"}";
        try {
            Files.writeString(state.resolve("creds").resolve(serverUrl.replaceAll("[^A-Za-z0-9.-]", "_")), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The actions called so far, oldest first. */
    public List<String> calls() {
        return read("calls.log").lines().toList();
    }

    /** What the last {@code store} received on standard input, or "" if none. */
    public String stored() {
        return read("stored.json");
    }

    /** What the last {@code erase} received on standard input, or "" if none. */
    public String erased() {
        return read("erased.txt");
    }

    private String read(String name) {
        Path file = state.resolve(name);
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
