package dev.exporter.cli;

/** Entry point of {@code java -jar exporter.jar}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // The JDK HTTP client reads sockets in 16 KiB heap buffers by default; blobs are large, and 1 MiB buffers
        // cut per-chunk overhead and garbage noticeably (measured with scripts/bench). Users can still override it.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(1024 * 1024));
        }
        System.exit(Cli.run(args));
    }
}
