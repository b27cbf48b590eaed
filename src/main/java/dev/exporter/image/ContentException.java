package dev.exporter.image;

/**
 * Content that is not what its descriptor says: more bytes than declared, or another digest. Never worth a retry
 * (the same source sends the same wrong bytes), whichever place the content came from.
 */
public class ContentException extends RuntimeException {

    public ContentException(String message) {
        super(message);
    }
}
