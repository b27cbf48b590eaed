package dev.exporter.cli;

import dev.exporter.mirrors.RegistriesConf;
import dev.exporter.mirrors.Sources;
import dev.exporter.registry.RegistryClient;
import dev.exporter.registry.RetryPolicy;
import dev.exporter.registry.TransportOptions;
import dev.exporter.registry.http.Pace;
import dev.exporter.registry.http.Proxies;
import dev.exporter.remote.PullSources;
import dev.exporter.registry.auth.AuthFileCredentials;
import dev.exporter.registry.auth.AuthFiles;
import dev.exporter.registry.auth.CredentialHelper;
import dev.exporter.registry.auth.CredentialProvider;
import dev.exporter.registry.auth.Credentials;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Options every command that talks to a registry shares: credentials, TLS, retries, diagnostics. */
public final class RegistryOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = {"-u", "--username"}, paramLabel = "USER",
            description = "Registry user name (also EXPORTER_USERNAME). The password comes from --password-stdin or EXPORTER_PASSWORD, never from the command line.")
    String username;

    @Option(names = "--password-stdin", description = "Read the password (or token) from the first line of standard input.")
    boolean passwordStdin;

    @Option(names = "--authfile", paramLabel = "FILE",
            description = "Read (and for login/logout, write) credentials in this docker config.json / podman auth.json instead of "
                    + "REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json (~/.docker/config.json) and $XDG_RUNTIME_DIR/containers/auth.json.")
    Path authFile;

    @Option(names = "--ca-cert", paramLabel = "FILE", description = "Also trust the CA certificate(s) in this PEM file.")
    Path caCert;

    @Option(names = "--insecure", description = "Do not verify registry TLS certificates.")
    boolean insecure;

    @Option(names = "--plain-http", description = "Talk plain HTTP (no TLS) to the registry.")
    boolean plainHttp;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
            description = "Retries for connection errors, timeouts, HTTP 5xx and 429 (default: ${DEFAULT-VALUE}; 0 disables).")
    int retries;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Give up on a connection that sends nothing for this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "300",
            description = "Give up on an answer whose head, or whole body if small (manifest, token, config, tag page,"
                    + " error body), is not in this long after the request, however steadily it trickles (default: ${DEFAULT-VALUE}).")
    int deadlineSeconds;

    @Option(names = "--min-rate", paramLabel = "BYTES", defaultValue = "1024",
            description = "Cut (and resume) a blob download that brings fewer than BYTES a second over a --rate-window"
                    + " (default: ${DEFAULT-VALUE}; 0 disables).")
    long minRate;

    @Option(names = "--rate-window", paramLabel = "SECONDS", defaultValue = "60",
            description = "Window over which --min-rate is measured (default: ${DEFAULT-VALUE}).")
    int rateWindowSeconds;

    @Option(names = "--debug", description = "Show stack traces on failure.")
    boolean debug;

    /** A mirror that cannot be reached within this is skipped for the next place. */
    private static final Duration MIRROR_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Where environment variables come from; tests replace it. */
    static Map<String, String> environment = System.getenv();
    /** Where --password-stdin reads from; tests replace it. */
    static InputStream stdin = System.in;

    RegistryClient client() {
        return client(credentials());
    }

    /** A client that authenticates with {@code credentials} (login checks the given ones and nothing else). */
    RegistryClient client(CredentialProvider credentials) {
        return client(credentials, Set.of(), null);
    }

    /** A client that treats {@code insecureRegistries} (API hosts) as docker treats insecure registries. */
    RegistryClient client(Set<String> insecureRegistries) {
        return client(credentials(), insecureRegistries, null);
    }

    /**
     * Clients for pulls from {@code sources}, with docker's insecure-registry treatment for {@code insecureRegistries}
     * (API hosts): one for primary locations, one with a short connect timeout for mirrors; both find credentials
     * for the host they contact.
     */
    PullSources pullSources(Sources sources, Set<String> insecureRegistries) {
        CredentialProvider credentials = credentials();
        return new PullSources(sources, client(credentials, insecureRegistries, null),
                client(credentials, insecureRegistries, MIRROR_CONNECT_TIMEOUT));
    }

    /** registries.conf and its drop-ins as containers/image finds them (HOME and CONTAINERS_REGISTRIES_CONF). */
    RegistriesConf registriesConf() {
        String home = environment.get("HOME");
        return RegistriesConf.load(environment, Path.of(home != null && !home.isEmpty() ? home
                : System.getProperty("user.home")));
    }

    private RegistryClient client(CredentialProvider credentials, Set<String> insecureRegistries,
                                  Duration connectTimeout) {
        if (retries < 0) {
            throw new ParameterException(spec.commandLine(), "--retries must be 0 or more, got " + retries);
        }
        if (timeoutSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        if (deadlineSeconds < 1 || rateWindowSeconds < 1 || minRate < 0) {
            throw new ParameterException(spec.commandLine(), "--deadline and --rate-window must be at least 1 second and"
                    + " --min-rate 0 or more, got " + deadlineSeconds + ", " + rateWindowSeconds + " and " + minRate);
        }
        if (caCert != null && !Files.isReadable(caCert)) {
            throw new ParameterException(spec.commandLine(), "--ca-cert: cannot read '" + caCert + "'");
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        Proxies proxies;
        try {
            proxies = Proxies.fromEnvironment(environment);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Duration connect = Duration.ofSeconds(Math.min(30, timeoutSeconds));
        if (connectTimeout != null && connectTimeout.compareTo(connect) < 0) {
            connect = connectTimeout;
        }
        TransportOptions transport = new TransportOptions(caCert, insecure, plainHttp, connect, timeout, proxies,
                insecureRegistries, new Pace(Duration.ofSeconds(deadlineSeconds), minRate, Duration.ofSeconds(rateWindowSeconds)));
        RetryPolicy retryPolicy = new RetryPolicy(retries, RetryPolicy.defaults().initialDelay(), RetryPolicy.defaults().maxDelay());
        try {
            return new RegistryClient(transport, retryPolicy, credentials);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Where temporary files go when they cannot go beside an output: {@code $TMPDIR} if set (as for most Unix
     * tools), else the JVM's {@code java.io.tmpdir}.
     */
    static Path tempFolder() {
        String tmpdir = environment.get("TMPDIR");
        return Path.of(tmpdir != null && !tmpdir.isBlank() ? tmpdir : System.getProperty("java.io.tmpdir"));
    }

    /** Flags first, then the environment, then auth files and their credential helpers, then anonymous. */
    CredentialProvider credentials() {
        CredentialProvider files = new AuthFileCredentials(authFiles().lookup(), RegistryOptions::helper);
        return givenCredentials().map(CredentialProvider::fixed).orElse(files);
    }

    /** {@code docker-credential-<name>}, looked up on the PATH. */
    static CredentialHelper helper(String name) {
        return new CredentialHelper(name, environment.get("PATH"), CredentialHelper.DEFAULT_TIMEOUT);
    }

    /** The auth files this command reads, and the one login and logout change. */
    AuthFiles authFiles() {
        return AuthFiles.locate(authFile, environment);
    }

    /** Whether credentials are given for this run ({@code -u} or EXPORTER_USERNAME), without reading a password. */
    boolean credentialsGiven() {
        return username != null || environment.get("EXPORTER_USERNAME") != null;
    }

    /** Credentials from {@code -u} with {@code --password-stdin} or EXPORTER_PASSWORD, else from EXPORTER_USERNAME/_PASSWORD. */
    Optional<Credentials> givenCredentials() {
        String user = username != null ? username : environment.get("EXPORTER_USERNAME");
        String password;
        if (passwordStdin) {
            if (user == null) {
                throw new ParameterException(spec.commandLine(), "--password-stdin needs --username");
            }
            password = readPasswordFromStdin();
        } else {
            password = environment.get("EXPORTER_PASSWORD");
        }
        if (user == null) {
            return Optional.empty();
        }
        if (password == null) {
            throw new ParameterException(spec.commandLine(),
                    "--username needs a password: use --password-stdin or set EXPORTER_PASSWORD");
        }
        String source = (username != null ? "--username" : "EXPORTER_USERNAME") + "/"
                + (passwordStdin ? "--password-stdin" : "EXPORTER_PASSWORD");
        return Optional.of(Credentials.password(user, password, source));
    }

    private String readPasswordFromStdin() {
        try {
            String line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--password-stdin: standard input is empty");
            }
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--password-stdin: cannot read standard input: " + e.getMessage());
        }
    }
}
