package dev.exporter.image;

/** A manifest, index or config that cannot be used: malformed JSON, unknown media type, inconsistent content. */
public class ManifestException extends RuntimeException {

    public ManifestException(String message) {
        super(message);
    }

    public ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
