package dev.exporter.reference;

import java.util.Locale;

/** An image platform {@code os/architecture[/variant]}, normalized the way containerd's platforms package does. */
public record Platform(String os, String architecture, String variant) {

    public Platform {
        if (os == null || os.isEmpty() || architecture == null || architecture.isEmpty()) {
            throw new IllegalArgumentException("platform needs os and architecture, got '" + os + "/" + architecture + "'");
        }
        variant = variant == null || variant.isEmpty() ? null : variant;
    }

    /** Parses {@code os/arch[/variant]}, e.g. {@code linux/arm64/v8}; the input is quoted on failure. */
    public static Platform parse(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("invalid platform '" + text + "': expected os/arch[/variant]");
        }
        for (String part : parts) {
            if (part.isEmpty() || !part.matches("[a-z0-9_.-]+")) {
                throw new IllegalArgumentException("invalid platform '" + text + "': expected os/arch[/variant]");
            }
        }
        return normalize(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** Normalizes architecture aliases (x86_64, aarch64, armhf...) as containerd does. */
    public static Platform normalize(String os, String architecture, String variant) {
        String arch = architecture == null ? "" : architecture.toLowerCase(Locale.ROOT);
        String v = variant == null ? null : variant.toLowerCase(Locale.ROOT);
        switch (arch) {
            case "x86_64", "x86-64", "amd64" -> {
                arch = "amd64";
                if ("v1".equals(v)) {
                    v = null;
                }
            }
            case "aarch64", "arm64" -> {
                arch = "arm64";
                if ("8".equals(v) || "v8".equals(v)) {
                    v = null;
                }
            }
            case "armhf" -> {
                arch = "arm";
                v = "v7";
            }
            case "armel" -> {
                arch = "arm";
                v = "v6";
            }
            case "arm" -> {
                if (v == null || v.isEmpty()) {
                    v = "v7";
                } else if (v.matches("[5-8]")) {
                    v = "v" + v;
                }
            }
            case "i386", "i686", "386" -> arch = "386";
            default -> { }
        }
        return new Platform(os == null ? null : os.toLowerCase(Locale.ROOT), arch, v);
    }

    /** The platform of the running JVM, as docker would pick by default. */
    public static Platform host() {
        return normalize("linux", System.getProperty("os.arch"), null);
    }

    /** Whether an index entry's platform satisfies this requested platform (variant-less requests match any variant). */
    public boolean matches(Platform candidate) {
        Platform c = normalize(candidate.os, candidate.architecture, candidate.variant);
        Platform self = normalize(os, architecture, variant);
        if (!self.os.equals(c.os) || !self.architecture.equals(c.architecture)) {
            return false;
        }
        return self.variant == null || self.variant.equals(c.variant);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
