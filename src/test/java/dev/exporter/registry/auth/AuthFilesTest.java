package dev.exporter.registry.auth;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AuthFilesTest {

    @Test
    void explicitAuthfile_isTheOnlyFile() {
        AuthFiles files = AuthFiles.locate(Path.of("/x/my.json"),
                Map.of("REGISTRY_AUTH_FILE", "/r/auth.json", "DOCKER_CONFIG", "/d", "XDG_RUNTIME_DIR", "/run/u"));

        assertEquals(List.of(Path.of("/x/my.json")), files.lookup());
        assertEquals(Path.of("/x/my.json"), files.loginTarget());
    }

    @Test
    void environment_registryAuthFileThenDockerConfigThenPodmanRuntimeFile() {
        AuthFiles files = AuthFiles.locate(null,
                Map.of("REGISTRY_AUTH_FILE", "/r/auth.json", "DOCKER_CONFIG", "/d", "XDG_RUNTIME_DIR", "/run/u", "HOME", "/h"));

        assertEquals(List.of(Path.of("/r/auth.json"), Path.of("/d/config.json"), Path.of("/run/u/containers/auth.json")),
                files.lookup());
        assertEquals(Path.of("/r/auth.json"), files.loginTarget());
    }

    @Test
    void withoutVariables_homeDockerConfigIsReadAndWritten() {
        AuthFiles files = AuthFiles.locate(null, Map.of("HOME", "/h", "DOCKER_CONFIG", ""));

        assertEquals(List.of(Path.of("/h/.docker/config.json")), files.lookup());
        assertEquals(Path.of("/h/.docker/config.json"), files.loginTarget());
    }
}
