package dev.exporter.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Docker daemon (dockerd 20.10) for checking that exported archives {@code docker load}.
 *
 * <p>Everything lives in a short directory under {@code /tmp} (unix socket paths are limited to
 * ~108 bytes): data root, exec root (which also holds the state and sockets of the containerd
 * that dockerd starts for itself unless {@code /run/containerd/containerd.sock} exists), the API
 * socket and logs. The daemon uses the vfs storage driver, no bridge/iptables, its own
 * {@code daemon.json} and trust key, so it needs no kernel features and leaves a system Docker
 * alone (it only creates the empty {@code /run/docker/plugins} directory). Needs root.
 *
 * <p>Startup takes about half a second here, but a shared instance saves that and the teardown:
 * prefer {@link SharedDockerd#get()}.
 */
public final class Dockerd implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(5);

    private final Path dir;
    private final Path socket;
    private final Path logFile;
    private final Process process;
    /** The client; /usr/local/bin/docker may be a newer release than the daemon, so prefer the distro one. */
    private final String client = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
    /** Client environment: no user config, contexts or hosts leak in. */
    private final Map<String, String> clientEnv = new HashMap<>();

    private Dockerd(Path dir) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("docker.sock");
        this.logFile = dir.resolve("dockerd.log");
        // Our own daemon.json keeps the host's /etc/docker/daemon.json out. The only setting moves
        // the trust key, which dockerd 20.10 would otherwise create as /etc/docker/key.json
        // (there is no command-line flag for it).
        Path daemonJson = Files.writeString(dir.resolve("daemon.json"),
                ImageBuilder.JSON.createObjectNode().put("deprecated-key-path", dir.resolve("key.json").toString()).toString());
        clientEnv.put("DOCKER_CONFIG", Files.createDirectory(dir.resolve("client-config")).toString());
        clientEnv.put("DOCKER_HOST", null);
        clientEnv.put("DOCKER_CONTEXT", null);
        clientEnv.put("DOCKER_TLS_VERIFY", null);
        this.process = new ProcessBuilder("dockerd",
                "--config-file", daemonJson.toString(),
                "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(),
                "--pidfile", dir.resolve("dockerd.pid").toString(),
                "-H", "unix://" + socket,
                // Only matters if a system containerd is running (dockerd then uses it instead of
                // starting its own): keeps our objects apart from a system Docker's "moby" ones.
                "--containerd-namespace", "exporter-test",
                "--containerd-plugins-namespace", "exporter-test-plugins",
                "--storage-driver", "vfs",
                "--iptables=false", "--ip6tables=false", "--bridge=none", "--userland-proxy=false")
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
    }

    /** Starts a daemon and waits until it answers {@code docker version}. */
    public static Dockerd start() {
        ExternalTools.require("dockerd");
        ExternalTools.require("docker");
        Path dir = TempDirs.createShort("dkd");
        Dockerd dockerd;
        try {
            dockerd = new Dockerd(dir);
        } catch (IOException e) {
            TempDirs.deleteQuietly(dir);
            throw new UncheckedIOException("cannot start dockerd", e);
        }
        try {
            dockerd.awaitReady();
            return dockerd;
        } catch (RuntimeException e) {
            dockerd.close();
            throw e;
        }
    }

    /** The API socket, for clients: {@code -H unix://<socket>} or {@code DOCKER_HOST}. */
    public Path socket() {
        return socket;
    }

    /** The daemon's log (includes the managed containerd's output). */
    public Path logFile() {
        return logFile;
    }

    /** Runs {@code docker -H <this daemon> args...}; does not check the exit code. */
    public Exec.Result docker(String... args) {
        return docker(COMMAND_TIMEOUT, null, args);
    }

    /** The server's version, e.g. {@code 20.10.24+dfsg1}. */
    public String version() {
        return docker("version", "--format", "{{.Server.Version}}").check().stdout().strip();
    }

    /** {@code docker load -i tar}; returns its stdout ("Loaded image: ..." lines). */
    public String load(Path tar) {
        return docker("load", "-i", tar.toString()).check().stdout();
    }

    /** Pipes {@code tar} into {@code docker load} on stdin; returns its stdout. */
    public String loadFromStdin(Path tar) {
        return docker(COMMAND_TIMEOUT, tar, "load").check().stdout();
    }

    /** Pipes {@code tar} into {@code docker load} on stdin; returns its stdout. */
    public String loadFromStdin(byte[] tar) {
        Path file = dir.resolve("stdin-" + System.nanoTime() + ".tar");
        try {
            Files.write(file, tar);
            return loadFromStdin(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TempDirs.deleteQuietly(file);
        }
    }

    /**
     * {@code docker image inspect ref}: the image's JSON object.
     *
     * @throws IllegalStateException with docker's message (e.g. "No such image") if it fails
     */
    public JsonNode inspect(String ref) {
        return ImageBuilder.readJson(docker("image", "inspect", ref).check().stdout()
                .getBytes(StandardCharsets.UTF_8)).get(0);
    }

    /** {@code docker save -o out refs...}. */
    public void save(List<String> refs, Path out) {
        List<String> args = new ArrayList<>(List.of("save", "-o", out.toString()));
        args.addAll(refs);
        docker(args.toArray(String[]::new)).check();
    }

    /** Removes every image (all tags), so the next test starts from an empty image store. */
    public void removeAllImages() {
        List<String> ids = docker("image", "ls", "--all", "--quiet").check().stdout().lines().distinct().toList();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("image", "rm", "--force"));
            args.addAll(ids);
            docker(args.toArray(String[]::new)).check();
        }
    }

    /**
     * Stops the daemon (SIGTERM, SIGKILL if it does not exit in time), makes sure its containerd
     * is gone too, and deletes all its files.
     */
    @Override
    public void close() {
        Path containerdPid = dir.resolve("exec/containerd/containerd.pid");
        try {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            // A clean shutdown stops containerd; after SIGKILL it would be orphaned.
            if (Files.exists(containerdPid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(containerdPid).strip())).ifPresent(containerd -> {
                    containerd.destroyForcibly();
                    containerd.onExit().orTimeout(5, TimeUnit.SECONDS).join();
                });
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("warning: could not stop dockerd cleanly: " + e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    private Exec.Result docker(Duration timeout, Path stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(client, "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return Exec.run(timeout, clientEnv, stdin, command);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            if (docker(PING_TIMEOUT, null, "version").exitCode() == 0) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting dockerd", e);
            }
        }
        throw new IllegalStateException((process.isAlive() ? "dockerd not ready after " + STARTUP_TIMEOUT
                : "dockerd exited with " + process.exitValue()) + "; log:\n" + readLog());
    }

    private String readLog() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }
}
