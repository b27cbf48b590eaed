package dev.exporter.cli;

/** A runtime failure whose message is already the one line to show (exit code 1). */
final class CommandFailure extends RuntimeException {

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
