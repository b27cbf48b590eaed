package dev.exporter.mirrors;

import dev.exporter.reference.ImageReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One {@code [[registry]]} of registries.conf, after containers/image's post-processing: the prefix defaults to the
 * location, trailing slashes are gone.
 *
 * @param prefix             the names this entry applies to: {@code host[:port][/namespace...]} or {@code *.domain}
 * @param location           where the prefix really lives; empty only for a wildcard prefix (names are kept as is)
 * @param insecure           plain HTTP and unverified TLS allowed at the location
 * @param blocked            pulling (and pushing) matching names is refused
 * @param mirrorByDigestOnly the mirrors serve only references with a digest
 * @param mirrors            tried in order before the location, for pulls only
 * @param origin             the file this entry was read from, for messages
 */
public record Registry(String prefix, String location, boolean insecure, boolean blocked, boolean mirrorByDigestOnly,
                       List<Mirror> mirrors, Path origin) {

    public Registry {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(location, "location");
        mirrors = List.copyOf(mirrors);
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("both location and prefix are unset");
        }
        if (isWildcard(prefix)) {
            if (prefix.length() == 2 || prefix.substring(2).chars().anyMatch(c -> c == '/' || c == '@' || c == ':')) {
                throw new IllegalArgumentException("wildcard prefix \"" + prefix
                        + "\" must have the form *.example.com (no port, namespace, tag or digest)");
            }
        } else if (location.isEmpty()) {
            throw new IllegalArgumentException("location is unset and prefix \"" + prefix
                    + "\" is not of the form *.example.com");
        }
        if (mirrorByDigestOnly) {
            for (Mirror m : mirrors) {
                if (m.pullFromMirror() != PullFromMirror.ALL) {
                    throw new IllegalArgumentException("mirror-by-digest-only of prefix \"" + prefix
                            + "\" and pull-from-mirror of mirror \"" + m.location() + "\" cannot both be set");
                }
            }
        }
    }

    private static boolean isWildcard(String prefix) {
        return prefix.startsWith("*.");
    }

    /**
     * How much of {@code name} (a name as {@code registry/repository[:tag][@digest]}) this prefix matches, or -1.
     * A plain prefix must be followed by the end, {@code /}, {@code :} or {@code @} (so {@code example.com} also
     * matches {@code example.com:5000}, as in containers/image). {@code *.example.com} matches any number of
     * subdomains of example.com in the registry part, but not example.com itself.
     */
    int matchEnd(String name) {
        int end;
        if (isWildcard(prefix)) {
            String domain = prefix.substring(1);
            int index = name.indexOf(domain);
            if (index < 0 || name.substring(0, index).contains("/")) {
                return -1;
            }
            end = index + domain.length();
        } else {
            if (!name.startsWith(prefix)) {
                return -1;
            }
            end = prefix.length();
        }
        if (end == name.length()) {
            return end;
        }
        char c = name.charAt(end);
        return c == '/' || c == ':' || c == '@' ? end : -1;
    }

    /** Whether this entry applies to the reference's name. */
    boolean matches(ImageReference reference) {
        return matchEnd(reference.fullName()) >= 0;
    }

    /**
     * The reference with the matched prefix replaced by {@code target} (this entry's location or a mirror's);
     * an empty target keeps the reference. Fails when the result is not a valid, fully qualified reference.
     */
    ImageReference rewrite(ImageReference reference, String target) {
        if (target.isEmpty()) {
            return reference;
        }
        String name = reference.toString();
        int end = matchEnd(name);
        if (end < 0) {
            throw new IllegalStateException("prefix " + prefix + " does not match " + name);
        }
        String rewritten = target + name.substring(end);
        ImageReference parsed;
        try {
            parsed = ImageReference.parse(rewritten);
        } catch (IllegalArgumentException e) {
            throw notQualified(reference, target, rewritten, e.getMessage());
        }
        if (!parsed.toString().equals(rewritten)) {
            throw notQualified(reference, target, rewritten, "not a fully qualified name (it means " + parsed + ")");
        }
        return parsed;
    }

    private RegistriesConfException notQualified(ImageReference reference, String target, String rewritten,
                                                 String why) {
        return new RegistriesConfException("read " + origin + ": prefix \"" + prefix + "\" rewrites " + reference
                + " to \"" + rewritten + "\" (location \"" + target + "\"): " + why);
    }
}
