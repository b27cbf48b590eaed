package dev.exporter.registry.http;

/** The proxy could not be reached, or would not tunnel to the registry; the message names the proxy. */
public final class ProxyException extends NetworkException {

    private final boolean refused;

    ProxyException(String message, boolean refused, Throwable cause) {
        super(message, cause);
        this.refused = refused;
    }

    /** The proxy answered, and said no (say, 407 for missing credentials): asking again will not help. */
    public boolean refused() {
        return refused;
    }
}
