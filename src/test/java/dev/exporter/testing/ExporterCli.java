package dev.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the exporter CLI as a user would: a separate JVM ({@code java -cp <test classpath> dev.exporter.cli.Main}),
 * so exit codes, standard output bytes and the exact standard error text are what a shell would see. HOME and
 * DOCKER_CONFIG point into a fresh folder so no test ever reads the real user's credentials.
 */
public final class ExporterCli {

    /** What a run produced. */
    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Standard error without trailing newline, for one-line assertions. */
        public String error() {
            return stderr.strip();
        }
    }

    private final Map<String, String> env = new HashMap<>();
    private byte[] stdin = new byte[0];
    private Path workDir;
    private List<String> jvmArgs = List.of();
    private List<String> wrapper = List.of();
    private long timeoutSeconds = 120;

    private ExporterCli() {
    }

    public static ExporterCli create() {
        ExporterCli cli = new ExporterCli();
        Path home = TempDirs.createShort("exporter-home");
        cli.env.put("HOME", home.toString());
        cli.env.put("DOCKER_CONFIG", home.resolve(".docker").toString());
        cli.env.put("XDG_RUNTIME_DIR", home.resolve("run").toString());
        cli.env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        cli.env.put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
        cli.workDir = home;
        return cli;
    }

    public Path home() {
        return Path.of(env.get("HOME"));
    }

    public ExporterCli env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public ExporterCli stdin(String text) {
        this.stdin = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public ExporterCli workDir(Path dir) {
        this.workDir = dir;
        return this;
    }

    public ExporterCli jvmArgs(String... args) {
        this.jvmArgs = List.of(args);
        return this;
    }

    /** Runs the JVM through {@code command} (e.g. {@code unshare -m sh -c SCRIPT sh}), which gets the java command as arguments. */
    public ExporterCli wrappedIn(String... command) {
        this.wrapper = List.of(command);
        return this;
    }

    public ExporterCli timeoutSeconds(long seconds) {
        this.timeoutSeconds = seconds;
        return this;
    }

    /** Starts the CLI without waiting, e.g. to interrupt it; output goes to the given files. */
    public Process start(Path stdout, Path stderr, String... args) {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.exporter.cli.Main");
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().remove("EXPORTER_USERNAME");
        builder.environment().remove("EXPORTER_PASSWORD");
        env.forEach((k, v) -> {
            if (v == null) {
                builder.environment().remove(k);
            } else {
                builder.environment().put(k, v);
            }
        });
        try {
            Path in = Files.createTempFile("exporter-stdin", ".bin");
            Files.write(in, stdin);
            builder.redirectInput(in.toFile());
            Process process = builder.start();
            process.onExit().thenRun(() -> TempDirs.deleteQuietly(in));
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Result run(String... args) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("exporter-out", ".bin");
            err = Files.createTempFile("exporter-err", ".txt");
            Process process = start(out, err, args);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("exporter " + String.join(" ", args) + " did not finish in " + timeoutSeconds
                        + " s; stderr: " + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            TempDirs.deleteQuietly(out);
            TempDirs.deleteQuietly(err);
        }
    }
}
