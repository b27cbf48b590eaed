package dev.exporter.registry.auth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which auth files to read, in order, and which one {@code login}/{@code logout} change.
 *
 * <p>An explicit {@code --authfile} is the only file used. Otherwise: {@code $REGISTRY_AUTH_FILE} (podman's
 * explicit choice) if set, then docker's {@code $DOCKER_CONFIG/config.json} (default {@code ~/.docker/config.json}),
 * then podman's {@code $XDG_RUNTIME_DIR/containers/auth.json}. Per registry the first file that has credentials
 * (or a helper that has them) wins. Logins go to the first of these files, so what {@code login} stores is
 * what later pulls find first.
 */
public record AuthFiles(List<Path> lookup, Path loginTarget) {

    public AuthFiles {
        lookup = List.copyOf(lookup);
    }

    /** The files for an explicit {@code --authfile} (or null) and the given environment. */
    public static AuthFiles locate(Path explicit, Map<String, String> env) {
        if (explicit != null) {
            return new AuthFiles(List.of(explicit), explicit);
        }
        List<Path> files = new ArrayList<>();
        String registryAuthFile = nonEmpty(env.get("REGISTRY_AUTH_FILE"));
        if (registryAuthFile != null) {
            files.add(Path.of(registryAuthFile));
        }
        String dockerConfig = nonEmpty(env.get("DOCKER_CONFIG"));
        String home = nonEmpty(env.get("HOME"));
        Path dockerFile = dockerConfig != null ? Path.of(dockerConfig, "config.json")
                : Path.of(home != null ? home : System.getProperty("user.home"), ".docker", "config.json");
        files.add(dockerFile);
        String runtimeDir = nonEmpty(env.get("XDG_RUNTIME_DIR"));
        if (runtimeDir != null) {
            files.add(Path.of(runtimeDir, "containers", "auth.json"));
        }
        return new AuthFiles(files, files.get(0));
    }

    private static String nonEmpty(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
