package dev.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs short-lived external commands with a hard timeout, capturing stdout and stderr. */
public final class Exec {

    /** Outcome of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** Returns this result, or throws with the command's stderr if it exited non-zero. */
        public Result check() {
            if (exitCode != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit "
                        + exitCode + "): " + stderr.strip());
            }
            return this;
        }
    }

    private Exec() {
    }

    /** Runs {@code command}; does not check the exit code. */
    public static Result run(Duration timeout, String... command) {
        return run(timeout, Map.of(), null, List.of(command));
    }

    /**
     * Runs {@code command} with extra environment variables (a {@code null} value removes the
     * variable) and stdin read from {@code stdin} (or no input if {@code null}).
     *
     * <p>Output goes to temp files rather than pipes, so a chatty process can never block on a
     * full pipe buffer while we wait for it.
     */
    public static Result run(Duration timeout, Map<String, String> env, Path stdin, List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("exec-out", ".txt");
            err = Files.createTempFile("exec-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput((stdin == null ? Path.of("/dev/null") : stdin).toFile());
            env.forEach((name, value) -> {
                if (value == null) {
                    builder.environment().remove(name);
                } else {
                    builder.environment().put(name, value);
                }
            });
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " timed out after " + timeout
                        + "; stderr: " + Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            return new Result(List.copyOf(command), process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            TempDirs.deleteQuietly(out);
            TempDirs.deleteQuietly(err);
        }
    }
}
