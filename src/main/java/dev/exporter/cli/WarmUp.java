package dev.exporter.cli;

import dev.exporter.image.Json;

import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Start-up work for the second core while the first one parses the command line and resolves the image.
 *
 * <p>An export spends most of its CPU time in SHA-256, and the JIT only switches to the CPU's SHA instructions once
 * {@code MessageDigest.update} is hot, and with large chunks it is called too rarely for that: a 400 MB export
 * hashed its first hundreds of megabytes in plain Java (seen with perf, measured with scripts/bench). Hashing
 * thousands of small buffers of varied sizes first gets the intrinsic compiled before the first layer arrives.
 * Loading the TLS and JSON classes here also takes them off the main thread's path. Everything here is best
 * effort and has no visible effect.
 */
final class WarmUp {

    private WarmUp() {
    }

    /** Starts the warm-up; {@code args} only tell whether TLS will be needed. */
    static void start(String[] args) {
        boolean tls = !loopbackOrPlain(args);
        Thread thread = new Thread(() -> run(tls), "exporter-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    /**
     * Loopback registries are probed without TLS and plain-HTTP ones never use it: setting TLS up for them would
     * only take CPU from the main thread (measured with scripts/bench). A guess from the arguments is enough.
     */
    static boolean loopbackOrPlain(String[] args) {
        for (String arg : args) {
            if (arg.equals("--plain-http") || arg.startsWith("127.") || arg.startsWith("localhost") || arg.startsWith("[::1]")) {
                return true;
            }
        }
        return false;
    }

    private static void run(boolean tls) {
        try {
            digests();
            if (tls) {
                // the JDK's default context (with its trust store) is what verified https connections use
                SSLContext.getDefault();
            }
            json();
        } catch (Exception | LinkageError ignored) {
            // best effort: the real work does the same things and reports its own errors
        }
    }

    private static void digests() throws Exception {
        // Load the other digests TLS and the JDK use first: a digest class loaded after compilation would make the
        // JIT throw the compiled SHA-256 path away (a failed class-hierarchy dependency, seen with LogCompilation).
        for (String other : List.of("SHA-1", "SHA-224", "SHA-384", "SHA-512", "MD5")) {
            MessageDigest.getInstance(other).digest(new byte[100]);
        }
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[4096];
        for (int i = 0; i < 16_000; i++) {
            sha256.update(buffer, i % 7, 1 + i % 150);
            if (i % 1000 == 0) {
                sha256.digest();
            }
        }
        sha256.digest();
    }

    private static void json() {
        Json.write(Json.parse("{\"schemaVersion\":2,\"layers\":[{\"digest\":\"sha256:0\",\"size\":1}]}"
                .getBytes(StandardCharsets.UTF_8), "warm-up"));
    }
}
