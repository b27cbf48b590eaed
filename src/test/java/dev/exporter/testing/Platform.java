package dev.exporter.testing;

/** An image platform; {@code variant} may be {@code null}. */
public record Platform(String os, String architecture, String variant) {

    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    /** Parses {@code os/architecture[/variant]}, e.g. {@code linux/arm64/v8}. */
    public static Platform parse(String text) {
        String[] parts = text.split("/");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("expected os/architecture[/variant]: " + text);
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
