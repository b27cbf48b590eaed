package dev.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code docker-registry} (distribution 2.8) process on {@code 127.0.0.1:<free port>},
 * storing blobs in a temp directory (deletes enabled). Configure auth and TLS with
 * {@link #builder()}; {@link #close()} stops the process and deletes all its files.
 *
 * <p>Starting one takes well under a second, but most tests should use the per-run instances of
 * {@link SharedRegistries} instead.
 *
 * <p>Worth knowing about distribution 2.8: in token mode it accepts tokens until 60 s after their
 * {@code exp} (clock-skew leeway), so expiry tests cannot rely on it rejecting stale tokens
 * sooner; a token lacking an action gets 401 with {@code error="insufficient_scope"} in the
 * challenge. Over TLS the JDK HttpClient talks HTTP/2 to it.
 */
public final class LocalRegistry implements AutoCloseable {

    /** How clients authenticate. */
    public enum AuthMode { NONE, HTPASSWD, TOKEN }

    /** Service name ({@code aud} claim) that token-mode registries expect. */
    public static final String TOKEN_SERVICE = "exporter-test-registry";

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int START_ATTEMPTS = 3;

    private final AuthMode authMode;
    private final Map<String, String> users;
    private final TokenServer tokenServer;
    private final boolean tls;
    private final Path dir;
    private final Path logFile;
    private final int port;
    private final Process process;

    private LocalRegistry(Builder config, Path dir, int port) throws IOException {
        this.authMode = config.authMode;
        this.users = config.users;
        this.tokenServer = config.tokenServer;
        this.tls = config.tls;
        this.dir = dir;
        this.logFile = dir.resolve("registry.log");
        this.port = port;
        Path configFile = dir.resolve("config.yml");
        Files.writeString(configFile, configYaml());
        ProcessBuilder builder = new ProcessBuilder("docker-registry", "serve", configFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        // distribution reads REGISTRY_<SECTION>_<KEY> variables as config overrides; the pom sets
        // REGISTRY_AUTH_FILE (for skopeo/podman), which it would parse as "auth: file: ...".
        builder.environment().keySet().removeIf(name -> name.startsWith("REGISTRY_"));
        this.process = builder.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:PORT}, as used in image references. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** {@code http://127.0.0.1:PORT} or {@code https://...} when TLS is on. */
    public URI baseUri() {
        return URI.create((tls ? "https://" : "http://") + hostPort());
    }

    /** The CA certificate clients must trust, or {@code null} without TLS. */
    public Path caCert() {
        return tls ? TestPki.get().caCertPem() : null;
    }

    public AuthMode authMode() {
        return authMode;
    }

    /** The token server this registry trusts, or {@code null} unless in token mode. */
    public TokenServer tokenServer() {
        return tokenServer;
    }

    /** Users accepted in htpasswd mode (name to password); empty in the other modes. */
    public Map<String, String> users() {
        return authMode == AuthMode.HTPASSWD ? users : Map.of();
    }

    /** Combined stdout/stderr of the registry (warnings, errors and the access log). */
    public Path logFile() {
        return logFile;
    }

    /** Root of the filesystem storage driver, for tests that tamper with stored blobs. */
    public Path storageRoot() {
        return dir.resolve("storage");
    }

    /** A new HTTP client that trusts this registry's certificate (if any) and does not follow redirects. */
    public HttpClient newHttpClient() {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls) {
            builder.sslContext(TestPki.get().sslContext());
        }
        return builder.build();
    }

    /** The registry's log so far (for failure messages). */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    /** How far the log is now: pass it to {@link #requestsSince} to see only what came after. */
    public long logMark() {
        try {
            return Files.size(logFile);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The requests the registry's access log recorded after {@code mark}, each as {@code METHOD PATH STATUS}
     * (e.g. {@code PUT /v2/a/blobs/uploads/x?digest=sha256:... 201}), in order. The log is written as requests end, so
     * a test asks only after its client is done.
     */
    public List<String> requestsSince(long mark) {
        try {
            byte[] all = Files.readAllBytes(logFile);
            String text = new String(all, (int) Math.min(mark, all.length), (int) Math.max(0, all.length - mark),
                    StandardCharsets.UTF_8);
            List<String> requests = new ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("\"([A-Z]+) (\\S+) HTTP/1\\.[01]\" ([0-9]{3}) ").matcher(text);
            while (m.find()) {
                requests.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
            }
            return requests;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL after a few seconds) and deletes its files. */
    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    private String configYaml() throws IOException {
        List<String> yaml = new ArrayList<>(List.of(
                "version: 0.1",
                "log:",
                "  level: warn",
                "  accesslog:",
                "    disabled: false",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + quoted(storageRoot()),
                "  delete:",
                "    enabled: true",
                "http:",
                "  addr: " + hostPort(),
                "  secret: exporter-test-secret"));
        if (tls) {
            yaml.addAll(List.of(
                    "  tls:",
                    "    certificate: " + quoted(TestPki.get().serverCertPem()),
                    "    key: " + quoted(TestPki.get().serverKeyPem())));
        }
        switch (authMode) {
            case HTPASSWD -> yaml.addAll(List.of(
                    "auth:",
                    "  htpasswd:",
                    "    realm: exporter-test",
                    "    path: " + quoted(writeHtpasswd())));
            case TOKEN -> yaml.addAll(List.of(
                    "auth:",
                    "  token:",
                    "    realm: " + tokenServer.realm(),
                    "    service: " + TOKEN_SERVICE,
                    "    issuer: " + tokenServer.issuer(),
                    "    rootcertbundle: " + quoted(TestPki.get().tokenCertPem())));
            case NONE -> { }
        }
        yaml.add("");
        return String.join("\n", yaml);
    }

    /** distribution only accepts bcrypt entries, hence {@code htpasswd -B}. */
    private Path writeHtpasswd() throws IOException {
        StringBuilder entries = new StringBuilder();
        users.forEach((user, password) -> entries.append(
                Exec.run(Duration.ofSeconds(30), "htpasswd", "-Bbn", user, password).check().stdout().strip())
                .append('\n'));
        Path file = dir.resolve("htpasswd");
        Files.writeString(file, entries);
        return file;
    }

    private static String quoted(Path path) {
        return "\"" + path.toAbsolutePath() + "\"";
    }

    /** Polls {@code GET /v2/} until it answers 200 or 401; false if the process died first. */
    private boolean awaitReady() throws InterruptedException {
        HttpClient client = newHttpClient();
        HttpRequest ping = HttpRequest.newBuilder(baseUri().resolve("/v2/")).timeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                int status = client.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200 || status == 401) {
                    return true;
                }
            } catch (IOException notYetListening) {
                // keep polling
            }
            Thread.sleep(100);
        }
        if (process.isAlive()) {
            throw new IllegalStateException("docker-registry not ready after " + STARTUP_TIMEOUT + "; log:\n" + log());
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /** Registry configuration; defaults to no auth and plain HTTP. */
    public static final class Builder {
        private AuthMode authMode = AuthMode.NONE;
        private Map<String, String> users = Map.of();
        private TokenServer tokenServer;
        private boolean tls;

        private Builder() {
        }

        /** Basic auth with the {@link TokenServer#DEFAULT_USERS} (alice, admin, bob). */
        public Builder htpasswd() {
            return htpasswd(TokenServer.DEFAULT_USERS);
        }

        /** Basic auth with the given users (name to password); every user may pull and push. */
        public Builder htpasswd(Map<String, String> users) {
            this.authMode = AuthMode.HTPASSWD;
            this.users = Map.copyOf(users);
            return this;
        }

        /**
         * Bearer-token auth delegated to {@code tokenServer} (service {@link #TOKEN_SERVICE}).
         * The registry does not own the token server: close it yourself.
         */
        public Builder token(TokenServer tokenServer) {
            this.authMode = AuthMode.TOKEN;
            this.tokenServer = tokenServer;
            return this;
        }

        /** Serve HTTPS with the {@link TestPki} server certificate. */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        private LocalRegistry create() throws IOException {
            Path dir = TempDirs.createShort("registry");
            try {
                return new LocalRegistry(this, dir, freePort());
            } catch (IOException | RuntimeException e) {
                TempDirs.deleteQuietly(dir);
                throw e;
            }
        }

        /** Starts the registry and waits until it answers; fails with the registry log if it does not. */
        public LocalRegistry start() {
            ExternalTools.require("docker-registry");
            if (authMode == AuthMode.HTPASSWD) {
                ExternalTools.require("htpasswd");
            }
            try {
                // The free port may be taken between probing and binding; then the registry exits
                // at once and we retry with another port.
                for (int attempt = 1; ; attempt++) {
                    LocalRegistry registry = create();
                    boolean ready;
                    try {
                        ready = registry.awaitReady();
                    } catch (RuntimeException | InterruptedException e) {
                        registry.close();
                        throw e;
                    }
                    if (ready) {
                        return registry;
                    }
                    String log = registry.log();
                    registry.close();
                    if (attempt == START_ATTEMPTS || !log.contains("address already in use")) {
                        throw new IllegalStateException("docker-registry exited during startup; log:\n" + log);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start docker-registry", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting docker-registry", e);
            }
        }
    }
}
