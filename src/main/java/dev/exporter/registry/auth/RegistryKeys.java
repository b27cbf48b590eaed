package dev.exporter.registry.auth;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How auth files name registries. docker stores Docker Hub under {@value #DOCKER_HUB_KEY} and other registries
 * under {@code host[:port]}; older files and other tools use URLs ({@code https://host:5000/v2/}) or Docker Hub's
 * other names. All of these match the registry as written in an image reference.
 */
public final class RegistryKeys {

    /** The key docker uses for Docker Hub in {@code auths} and passes to credential helpers. */
    public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
    /** Docker Hub's registry name in image references. */
    public static final String DOCKER_HUB = "docker.io";

    private static final Set<String> DOCKER_HUB_HOSTS = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");
    private static final Pattern REGISTRY_NAME = Pattern.compile(
            "(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\\[[0-9a-f:.]+\\])(?::[0-9]{1,5})?");

    /** How well an auth file key fits a registry; lower is better. */
    enum Match { EXACT, SAME_HOST, SAME_HOST_WITH_URL_OR_PATH, NONE }

    private RegistryKeys() {
    }

    /**
     * The registry a key or user input names: scheme and path dropped, lowercased, Docker Hub's aliases mapped
     * to {@code docker.io}. {@code https://Index.Docker.io/v1/} gives {@code docker.io}, {@code http://h:5000/v2}
     * gives {@code h:5000}.
     */
    public static String hostOf(String keyOrName) {
        String s = keyOrName.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            s = s.substring(8);
        } else if (lower.startsWith("http://")) {
            s = s.substring(7);
        }
        int slash = s.indexOf('/');
        if (slash >= 0) {
            s = s.substring(0, slash);
        }
        s = s.toLowerCase(Locale.ROOT);
        return DOCKER_HUB_HOSTS.contains(s) ? DOCKER_HUB : s;
    }

    /**
     * A registry name typed by a user ({@code exporter login REGISTRY}), normalized by {@link #hostOf}; throws
     * {@link IllegalArgumentException} quoting the input when it is not a host name or address with optional port.
     */
    public static String registryName(String input) {
        String host = input == null ? "" : hostOf(input);
        if (!REGISTRY_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("invalid registry '" + input + "': expected a host name with optional port, e.g. registry.example.com:5000");
        }
        return host;
    }

    /** The key under which docker stores credentials for {@code registry} and which it passes to helpers. */
    public static String configKey(String registry) {
        String host = hostOf(registry);
        return host.equals(DOCKER_HUB) ? DOCKER_HUB_KEY : host;
    }

    /** Whether credentials stored under {@code key} apply to images on {@code registry}. */
    public static boolean matches(String key, String registry) {
        return match(key, registry) != Match.NONE;
    }

    static Match match(String key, String registry) {
        if (!hostOf(key).equals(hostOf(registry))) {
            return Match.NONE;
        }
        if (key.equals(configKey(registry))) {
            return Match.EXACT;
        }
        return key.contains("/") ? Match.SAME_HOST_WITH_URL_OR_PATH : Match.SAME_HOST;
    }
}
