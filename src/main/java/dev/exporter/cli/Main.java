package dev.exporter.cli;

/** Entry point of {@code java -jar exporter.jar}. */
public final class Main {

    /** How long to wait at exit for the HTTP client's selector threads to notice they are no longer needed. */
    private static final long SELECTOR_EXIT_WAIT_MS = 250;

    private Main() {
    }

    public static void main(String[] args) {
        // The JDK HTTP client reads sockets in 16 KiB heap buffers by default; blobs are large, and 1 MiB buffers
        // cut per-chunk overhead and garbage noticeably (measured with scripts/bench). Users can still override it.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(1024 * 1024));
        }
        int code = Cli.run(args);
        releaseHttpClients();
        System.exit(code);
    }

    /**
     * At exit the JVM waits up to 300 ms for every thread blocked in native code, and each JDK HTTP client keeps a
     * selector thread blocked in epoll until the client is garbage collected. The command's clients are unreachable
     * by now: collect them and give their selector threads a moment to end, which takes a few milliseconds instead
     * of the full 300 (measured with scripts/bench: a small export went from 0.98 s to 0.70 s).
     */
    private static void releaseHttpClients() {
        System.gc();
        long deadline = System.nanoTime() + SELECTOR_EXIT_WAIT_MS * 1_000_000;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("HttpClient-") && thread.getName().endsWith("-SelectorManager")) {
                try {
                    thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
