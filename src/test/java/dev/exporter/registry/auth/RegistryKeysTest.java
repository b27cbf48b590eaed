package dev.exporter.registry.auth;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryKeysTest {

    @ParameterizedTest(name = "key {0} applies to {1}: {2}")
    @CsvSource({
            // Docker Hub: every name docker and other tools store it under
            "https://index.docker.io/v1/,   docker.io,            true",
            "https://index.docker.io/v1/,   index.docker.io,      true",
            "https://index.docker.io/v1/,   registry-1.docker.io, true",
            "docker.io,                     docker.io,            true",
            "index.docker.io,               docker.io,            true",
            "registry-1.docker.io,          docker.io,            true",
            "https://registry-1.docker.io/v2/, docker.io,         true",
            "http://index.docker.io/v1/,    docker.io,            true",
            "HTTPS://Index.Docker.IO/v1/,   docker.io,            true",
            "https://index.docker.io/v1/,   quay.io,              false",
            "docker.io,                     ghcr.io,              false",
            // other registries: host[:port], with or without scheme and path
            "quay.io,                       quay.io,              true",
            "https://quay.io,               quay.io,              true",
            "https://quay.io/v2/,           quay.io,              true",
            "quay.io/someorg,               quay.io,              true",
            "QUAY.IO,                       quay.io,              true",
            "localhost:5000,                localhost:5000,       true",
            "http://localhost:5000,         localhost:5000,       true",
            "127.0.0.1:5000,                127.0.0.1:5000,       true",
            "localhost:5000,                localhost:5001,       false",
            "localhost,                     localhost:5000,       false",
            "localhost:5000,                localhost,            false",
            "quay.io,                       quay.io.evil.com,     false",
            "evilquay.io,                   quay.io,              false",
            "[::1]:5000,                    [::1]:5000,           true",
    })
    void matches_keyAgainstRegistry(String key, String registry, boolean expected) {
        assertEquals(expected, RegistryKeys.matches(key, registry));
    }

    @ParameterizedTest(name = "{0} is stored under {1}")
    @CsvSource({
            "docker.io,             https://index.docker.io/v1/",
            "index.docker.io,       https://index.docker.io/v1/",
            "registry-1.docker.io,  https://index.docker.io/v1/",
            "localhost:5000,        localhost:5000",
            "Quay.io,               quay.io",
    })
    void configKey_isDockersKey(String registry, String key) {
        assertEquals(key, RegistryKeys.configKey(registry));
    }

    @ParameterizedTest(name = "login {0} means {1}")
    @CsvSource({
            "docker.io,                         docker.io",
            "https://index.docker.io/v1/,       docker.io",
            "registry-1.docker.io,              docker.io",
            "https://registry.example.com:5000/, registry.example.com:5000",
            "http://127.0.0.1:5000,             127.0.0.1:5000",
            "GHCR.IO,                           ghcr.io",
            "[::1]:5000,                        [::1]:5000",
    })
    void registryName_normalizesUserInput(String input, String expected) {
        assertEquals(expected, RegistryKeys.registryName(input));
    }

    @ParameterizedTest(name = "{0} is rejected")
    @CsvSource({"'', 'a b', 'host:port', '-host', 'https://', 'host:5000:1'"})
    void registryName_rejectsNonHostsQuotingTheInput(String input) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegistryKeys.registryName(input));
        assertTrue(e.getMessage().contains("'" + input + "'"), e.getMessage());
    }

    @ParameterizedTest(name = "for {0} the best key ranks first")
    @CsvSource({
            "https://index.docker.io/v1/, docker.io,          EXACT",
            "docker.io,                   docker.io,          SAME_HOST",
            "https://quay.io/v2/,         quay.io,            SAME_HOST_WITH_URL_OR_PATH",
            "quay.io,                     quay.io,            EXACT",
    })
    void match_ranksKeys(String key, String registry, RegistryKeys.Match expected) {
        assertEquals(expected, RegistryKeys.match(key, registry));
    }
}
