package dev.exporter.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CliMessageTest {

    static Stream<Arguments> messages() {
        return Stream.of(
                Arguments.of("plain text stays", "pull manifest a/b:1: tag not found", "pull manifest a/b:1: tag not found"),
                Arguments.of("newlines become spaces", "first\nsecond\r\nthird", "first second  third"),
                Arguments.of("terminal escapes are defused", "bad type 'x\u001b[2Jy'", "bad type 'x [2Jy'"),
                Arguments.of("bearer tokens are redacted", "sent Authorization: Bearer abc.def-123_456",
                        "sent Authorization: Bearer <redacted>"),
                Arguments.of("basic credentials are redacted", "header Basic YWxpY2U6c2VjcmV0", "header Basic <redacted>"),
                Arguments.of("words after Basic stay", "registry wants Basic authentication",
                        "registry wants Basic authentication"),
                Arguments.of("bare JWTs are redacted", "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln here",
                        "token <redacted> here"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void printable_isOneLineWithoutSecrets(String name, String message, String expected) {
        assertEquals(expected, Cli.printable(message));
    }
}
