package dev.exporter.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryTest {

    @ParameterizedTest
    @CsvSource({
            // name, normalized name, API host, loopback
            "docker.io, docker.io, registry-1.docker.io, false",
            "index.docker.io, docker.io, registry-1.docker.io, false",
            "ghcr.io, ghcr.io, ghcr.io, false",
            "localhost:5000, localhost:5000, localhost:5000, true",
            "127.0.0.1:5000, 127.0.0.1:5000, 127.0.0.1:5000, true",
            "[::1]:5000, [::1]:5000, [::1]:5000, true",
            "registry.example.com:443, registry.example.com:443, registry.example.com:443, false"})
    void parse_appliesDockersRulesForApiHostAndLoopback(String input, String name, String apiHost, boolean loopback) {
        assertEquals(new Registry(name, apiHost, loopback), Registry.parse(input));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "https://ghcr.io", "host/path", "ho st", "-host", "[::1", "host:port"})
    void parse_withBadInput_quotesIt(String input) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registry.parse(input));
        assertTrue(e.getMessage().contains("'" + input + "'"), e.getMessage());
    }

    @Test
    void imageReference_namesItsRegistry() {
        assertEquals(Registry.parse("docker.io"), ImageReference.parse("alpine").registryValue());
        assertEquals(Registry.parse("localhost:5000"), ImageReference.parse("localhost:5000/a/b:1").registryValue());
    }

    @ParameterizedTest
    @CsvSource({"localhost, true", "LocalHost, true", "127.0.0.1, true", "127.255.255.255, true", "[::1], true",
            "::1, true", "0:0:0:0:0:0:0:1, true", "[0:0:0:0:0:0:0:1], true", "128.0.0.1, false", "127.0.0.256, false",
            "127.example.com, false", "localhost.example.com, false", "::2, false", "[::ffff:10.0.0.1], false",
            "example.com, false"})
    void isLoopbackHost_acceptsEverySpellingOfThisMachine_andLooksNothingUp(String host, boolean loopback) {
        assertEquals(loopback, Registry.isLoopbackHost(host));
    }
}
