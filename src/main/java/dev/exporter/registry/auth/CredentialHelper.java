package dev.exporter.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exporter.image.Json;
import dev.exporter.text.Printable;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * A docker credential helper ({@code docker-credential-<name>} on PATH), run the way the docker CLI runs it:
 * the action ({@code get}, {@code store}, {@code erase}) as the only argument, the server URL or a JSON document
 * on standard input, {@code {"ServerURL","Username","Secret"}} on standard output. A {@code <token>} user name
 * means the secret is an identity token. Failures name the program; secrets never appear in messages.
 */
public final class CredentialHelper {

    /** Long enough for helpers that unlock a keychain or call a cloud API, short enough not to hang forever. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final String TOKEN_USERNAME = "<token>";
    private static final int MAX_OUTPUT = 1024 * 1024;

    private final String name;
    private final String searchPath;
    private final Duration timeout;

    /**
     * @param name       the part after {@code docker-credential-}, as in {@code credsStore}/{@code credHelpers}
     * @param searchPath the PATH to find the program on
     */
    public CredentialHelper(String name, String searchPath, Duration timeout) {
        if (name == null || name.isEmpty() || name.contains("/") || name.contains(File.separator)) {
            throw new CredentialsException("invalid credential helper name '" + name + "': expected a name like 'pass' or 'ecr-login'");
        }
        this.name = name;
        this.searchPath = searchPath == null ? "" : searchPath;
        this.timeout = timeout;
    }

    /** {@code docker-credential-<name>}. */
    private String program() {
        return "docker-credential-" + name;
    }

    /** The credentials the helper holds for {@code serverUrl}, or empty when it has none. */
    public Optional<Credentials> get(String serverUrl) {
        String action = "get credentials for " + serverUrl + " from " + program();
        Output output = run(action, "get", serverUrl);
        if (output.exitCode != 0) {
            if (output.message().toLowerCase(Locale.ROOT).contains("credentials not found")) {
                return Optional.empty();
            }
            throw failed(action, output);
        }
        JsonNode reply;
        try {
            reply = Json.read(output.stdout);
        } catch (IOException e) {
            // the output may hold a secret, so neither it nor the parser's excerpt of it is shown
            throw new CredentialsException(action + ": the helper's answer is not JSON");
        }
        String user = reply == null ? null : Json.text(reply, "Username");
        String secret = reply == null ? null : Json.text(reply, "Secret");
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(TOKEN_USERNAME.equals(user)
                ? Credentials.identityToken(null, secret, program())
                : Credentials.password(user, secret, program()));
    }

    /** Stores a user name and password for {@code serverUrl} in the helper. */
    public void store(String serverUrl, String username, String secret) {
        String action = "store credentials for " + serverUrl + " in " + program();
        ObjectNode request = Json.object()
                .put("ServerURL", serverUrl).put("Username", username).put("Secret", secret);
        Output output = run(action, "store", new String(Json.write(request), StandardCharsets.UTF_8));
        if (output.exitCode != 0) {
            throw failed(action, output);
        }
    }

    /** Removes what the helper holds for {@code serverUrl}; having nothing there is fine. */
    public void erase(String serverUrl) {
        String action = "erase credentials for " + serverUrl + " from " + program();
        Output output = run(action, "erase", serverUrl);
        if (output.exitCode != 0 && !output.message().toLowerCase(Locale.ROOT).contains("credentials not found")) {
            throw failed(action, output);
        }
    }

    private record Output(int exitCode, byte[] stdout, byte[] stderr) {
        /** The helper's error text: helpers built on docker-credential-helpers print errors to standard output. */
        String message() {
            String out = firstLine(stdout);
            return out.isEmpty() ? firstLine(stderr) : out;
        }

        private static String firstLine(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8).strip().lines().findFirst().orElse("");
        }
    }

    private CredentialsException failed(String action, Output output) {
        String message = Printable.fragment(output.message());
        return new CredentialsException(action + ": " + program() + " failed (exit code " + output.exitCode + ")"
                + (message.isEmpty() ? "" : ": " + message));
    }

    private Path locate(String action) {
        for (String dir : searchPath.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program());
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new CredentialsException(action + ": credential helper " + program()
                + " is not installed (no executable " + program() + " on PATH): install it or remove the setting that names it");
    }

    private Output run(String action, String verb, String input) {
        Path executable = locate(action);
        Process process;
        try {
            process = new ProcessBuilder(executable.toString(), verb).start();
        } catch (IOException e) {
            throw new CredentialsException(action + ": cannot run " + executable + ": " + e.getMessage(), e);
        }
        FutureTask<byte[]> stdout = drain(process.getInputStream(), "stdout");
        FutureTask<byte[]> stderr = drain(process.getErrorStream(), "stderr");
        try {
            try (OutputStream in = process.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            } catch (IOException helperStoppedReading) {
                // the exit code and output say what went wrong
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CredentialsException(action + ": " + program() + " did not answer within "
                        + timeout.toSeconds() + " s");
            }
            return new Output(process.exitValue(), stdout.get(timeout.toMillis(), TimeUnit.MILLISECONDS),
                    stderr.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CredentialsException(action + ": interrupted");
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
            throw new CredentialsException(action + ": cannot read the output of " + program());
        }
    }

    private FutureTask<byte[]> drain(InputStream stream, String what) {
        FutureTask<byte[]> task = new FutureTask<>(() -> {
            try (stream) {
                byte[] bytes = stream.readNBytes(MAX_OUTPUT);
                stream.transferTo(OutputStream.nullOutputStream());
                return bytes;
            }
        });
        Thread thread = new Thread(task, program() + "-" + what);
        thread.setDaemon(true);
        thread.start();
        return task;
    }
}
