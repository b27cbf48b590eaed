package dev.exporter.reference;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A registry as an image reference names it, with docker's rules for reaching it: Docker Hub ({@code docker.io})
 * answers its API on {@code registry-1.docker.io}, and a registry on this machine is "insecure" (https if offered,
 * else plain http, certificates not verified).
 *
 * @param name     the name as in a reference: {@code docker.io}, {@code host:5000}, {@code [::1]:5000}
 * @param apiHost  the host[:port] to talk HTTP to, e.g. {@code registry-1.docker.io}
 * @param loopback whether the registry is on a loopback name or address
 */
public record Registry(String name, String apiHost, boolean loopback) {

    public static final String DOCKER_HUB = "docker.io";
    /**
     * Docker Hub's API host. Test hook: the system property {@code exporter.test.dockerHubApiHost} ({@code host:port})
     * points Docker Hub at a local registry, so tests can pull {@code docker.io} names without the internet.
     */
    private static final String DOCKER_HUB_API = System.getProperty("exporter.test.dockerHubApiHost",
            "registry-1.docker.io");

    /** A host name or bracketed IPv6 address, with an optional port. */
    private static final Pattern HOST_PORT = Pattern.compile(
            "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
                    + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}");

    public Registry {
        if (name == null || !HOST_PORT.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid registry '" + name + "': expected host[:port]");
        }
        if (apiHost == null || !HOST_PORT.matcher(apiHost).matches()) {
            throw new IllegalArgumentException("invalid registry API host '" + apiHost + "' for " + name);
        }
    }

    /**
     * The registry {@code name} names ({@code host[:port]}, as in an image reference; {@code index.docker.io} is
     * Docker Hub); throws {@link IllegalArgumentException} quoting the input when it is not one.
     */
    public static Registry parse(String name) {
        if (name == null || !HOST_PORT.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid registry '" + name + "': expected host[:port], e.g. registry.example.com:5000");
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf(']')) {
            String port = name.substring(colon + 1);
            int number = port.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("invalid registry '" + name + "': port " + port
                        + " is not between 1 and 65535");
            }
        }
        String normalized = name.equalsIgnoreCase("index.docker.io") ? DOCKER_HUB : name;
        String apiHost = normalized.equals(DOCKER_HUB) ? DOCKER_HUB_API : normalized;
        return new Registry(normalized, apiHost, isLoopback(apiHost));
    }

    private static boolean isLoopback(String name) {
        int end = name.startsWith("[") ? name.indexOf(']') + 1 : name.indexOf(':');
        return isLoopbackHost(end > 0 ? name.substring(0, end) : name);
    }

    /**
     * Whether a host (a name, an IPv4 address, or an IPv6 address with or without brackets) is this machine:
     * {@code localhost}, 127.0.0.0/8 or {@code ::1} in any spelling. Names other than localhost are not resolved.
     */
    public static boolean isLoopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.toLowerCase(Locale.ROOT).equals("localhost") || LOOPBACK_V4.matcher(h).matches()) {
            return true;
        }
        if (!h.contains(":")) {
            return false; // a name: not looked up
        }
        try {
            // in brackets the JDK parses an IPv6 literal and never asks DNS
            return InetAddress.getByName("[" + h + "]").isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
