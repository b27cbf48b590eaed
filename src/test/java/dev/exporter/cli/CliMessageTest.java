package dev.exporter.cli;

import dev.exporter.text.Printable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(expected, Printable.line(message));
    }

    @picocli.CommandLine.Command(name = "exhausting")
    static final class Exhausting implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void anErrorFromACommand_isOneLineAndExit1_notARawStackTrace() {
        picocli.CommandLine cl = new picocli.CommandLine(new Exhausting());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));

        int code = Cli.execute(cl, new String[0]);

        assertEquals(ExitCodes.FAILURE, code);
        assertEquals("exporter: out of memory (Java heap space); give the JVM more with -Xmx\n", err.toString());
    }

    @Test
    void aUsageError_isOneLineNamingTheHelp_andExit2() {
        picocli.CommandLine cl = Cli.commandLine(new String[] {"push", "a.tar", "--no-such-option"});
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));

        int code = Cli.execute(cl, new String[] {"push", "a.tar", "--no-such-option"});

        assertEquals(ExitCodes.USAGE, code);
        assertEquals("exporter: Unknown option: '--no-such-option' (see 'exporter push --help')\n", err.toString());
    }

    @Test
    void debugStackTrace_redactsCredentialsAndControlCharactersButKeepsTheFrames() {
        RuntimeException cause = new RuntimeException("registry echoed Authorization: Basic YWxpY2U6c2VjcmV0cGFzcw==\u001b[2J");
        RuntimeException e = new RuntimeException("pull manifest a/b:1: 400 Bad Request: Bearer abc.def-123_456\r\u0007", cause);
        StringWriter err = new StringWriter();

        Cli.printStackTrace(e, new PrintWriter(err, true));

        String trace = err.toString();
        assertFalse(trace.contains("YWxpY2U6c2VjcmV0cGFzcw=="), trace);
        assertFalse(trace.contains("abc.def-123_456"), trace);
        assertTrue(trace.contains("Authorization: Basic <redacted>"), trace);
        assertTrue(trace.contains("400 Bad Request: Bearer <redacted>"), trace);
        assertFalse(trace.chars().anyMatch(c -> c != '\n' && c != '\t' && Character.isISOControl(c)), trace);
        assertTrue(trace.lines().count() > 4, "one line per frame: " + trace);
        assertTrue(trace.lines().anyMatch(line -> line.startsWith("\tat dev.exporter.cli.CliMessageTest.")), trace);
        assertTrue(trace.contains("Caused by: java.lang.RuntimeException: registry echoed"), trace);
    }
}
