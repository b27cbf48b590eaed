package dev.exporter.cli;

/** The documented exit codes. */
public final class ExitCodes {

    /** Everything was written. */
    public static final int OK = 0;
    /** A runtime failure: network, registry, authentication, digest, disk. */
    public static final int FAILURE = 1;
    /** The command line was wrong: unknown option, bad image reference or platform. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
