package dev.exporter.registry.auth;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChallengeTest {

    static Stream<Arguments> headers() {
        return Stream.of(
                Arguments.of("docker hub bearer",
                        List.of("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                + "scope=\"repository:library/alpine:pull\""),
                        List.of(new Challenge("Bearer", Map.of("realm", "https://auth.docker.io/token",
                                "service", "registry.docker.io", "scope", "repository:library/alpine:pull")))),
                Arguments.of("basic",
                        List.of("Basic realm=\"Registry Realm\""),
                        List.of(new Challenge("basic", Map.of("realm", "Registry Realm")))),
                Arguments.of("comma inside a quoted scope",
                        List.of("Bearer realm=\"https://a/token\",error=\"insufficient_scope\",scope=\"repository:a/b:pull,push\""),
                        List.of(new Challenge("bearer", Map.of("realm", "https://a/token", "error", "insufficient_scope",
                                "scope", "repository:a/b:pull,push")))),
                Arguments.of("two challenges in one header",
                        List.of("Basic realm=\"x\", Bearer realm=\"https://a/token\",service=\"s\""),
                        List.of(new Challenge("basic", Map.of("realm", "x")),
                                new Challenge("bearer", Map.of("realm", "https://a/token", "service", "s")))),
                Arguments.of("two header values",
                        List.of("Basic realm=\"x\"", "Bearer realm=\"https://a/token\""),
                        List.of(new Challenge("basic", Map.of("realm", "x")),
                                new Challenge("bearer", Map.of("realm", "https://a/token")))),
                Arguments.of("unquoted values and spaces after commas",
                        List.of("Bearer realm=https://a/token, service=reg"),
                        List.of(new Challenge("bearer", Map.of("realm", "https://a/token", "service", "reg")))),
                Arguments.of("spaces around equals",
                        List.of("Bearer realm = \"https://a/token\""),
                        List.of(new Challenge("bearer", Map.of("realm", "https://a/token")))),
                Arguments.of("scheme and parameter names are case-insensitive",
                        List.of("BEARER Realm=\"https://a/token\",SERVICE=\"s\""),
                        List.of(new Challenge("bearer", Map.of("realm", "https://a/token", "service", "s")))),
                Arguments.of("escaped quote and backslash",
                        List.of("Bearer realm=\"https://a/token\",service=\"a\\\"b\\\\c\""),
                        List.of(new Challenge("bearer", Map.of("realm", "https://a/token", "service", "a\"b\\c")))),
                Arguments.of("scheme without parameters",
                        List.of("Negotiate"),
                        List.of(new Challenge("negotiate", Map.of()))),
                Arguments.of("empty header", List.of(""), List.of()),
                Arguments.of("no header", List.of(), List.of()),
                Arguments.of("unterminated quote keeps what it has",
                        List.of("Bearer realm=\"https://a/tok"),
                        List.of(new Challenge("bearer", Map.of("realm", "https://a/tok")))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headers")
    void parseAll_readsEveryChallenge(String name, List<String> headerValues, List<Challenge> expected) {
        assertEquals(expected, Challenge.parseAll(headerValues));
    }
}
