package dev.exporter.cli;

/** Entry point of {@code java -jar exporter.jar}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        WarmUp.start(args);
        System.exit(Cli.run(args));
    }
}
