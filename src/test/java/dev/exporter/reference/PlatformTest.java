package dev.exporter.reference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PlatformTest {

    @ParameterizedTest
    @CsvSource({"linux/amd64, linux/amd64", "linux/x86_64, linux/amd64", "linux/arm64, linux/arm64",
            "linux/aarch64, linux/arm64", "linux/arm64/v8, linux/arm64", "linux/arm, linux/arm/v7",
            "linux/arm/v6, linux/arm/v6", "LINUX/AMD64, linux/amd64", "windows/amd64, windows/amd64"})
    void parse_normalizesAliases(String input, String expected) {
        assertEquals(expected, Platform.parse(input).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "linux/", "/amd64", "linux/amd64/v8/x", "linux amd64", ""})
    void parse_rejectsMalformed(String input) {
        assertThrows(IllegalArgumentException.class, () -> Platform.parse(input));
    }

    @ParameterizedTest
    @CsvSource({
            "linux/arm64, linux, arm64, v8, true",
            "linux/arm64/v8, linux, arm64, , true",
            "linux/arm/v7, linux, arm, v6, false",
            "linux/arm, linux, arm, v7, true",
            "linux/amd64, linux, arm64, , false",
            "linux/amd64, windows, amd64, , false"})
    void matches_comparesNormalizedPlatforms(String wanted, String os, String arch, String variant, boolean expected) {
        assertEquals(expected, Platform.parse(wanted).matches(new Platform(os, arch, variant)));
    }
}
