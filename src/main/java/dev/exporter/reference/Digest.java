package dev.exporter.reference;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:4bc4...}. Only sha256 and sha512 with their exact hex length are
 * accepted, so a digest is always safe to use as a file name: nothing a registry sends becomes a path unchecked.
 */
public record Digest(String algorithm, String hex) {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    public Digest {
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw new IllegalArgumentException("unsupported digest algorithm in '" + algorithm + ":" + hex + "'");
        };
        if (hex.length() != expected || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("invalid digest '" + algorithm + ":" + hex + "'");
        }
    }

    /** Parses {@code algorithm:hex}, quoting the input on failure. */
    public static Digest parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("missing digest");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("invalid digest '" + text + "'");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    public static Digest sha256(byte[] hash) {
        return new Digest("sha256", HexFormat.of().formatHex(hash));
    }

    public static Digest sha256Of(byte[] content) {
        return sha256(newSha256().digest(content));
    }

    public static Digest sha256Of(String content) {
        return sha256Of(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static MessageDigest newSha256() {
        return newMessageDigest("sha256");
    }

    /** A fresh hasher for this digest's algorithm. */
    public MessageDigest newHasher() {
        return newMessageDigest(algorithm);
    }

    /** Whether {@code hash} (raw bytes) equals this digest. */
    public boolean matches(byte[] hash) {
        return hex.equals(HexFormat.of().formatHex(hash));
    }

    private static MessageDigest newMessageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.toUpperCase(Locale.ROOT).replace("SHA", "SHA-"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A short form for progress output: the first 12 hex characters. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    // equals and hashCode are spelled out because digests are map keys from the first manifest on: a record's
    // generated ones are linked through method handles on first use, some 20 ms of every run's start-up.

    @Override
    public boolean equals(Object other) {
        return other instanceof Digest d && hex.equals(d.hex) && algorithm.equals(d.algorithm);
    }

    @Override
    public int hashCode() {
        return hex.hashCode();
    }
}
