package dev.exporter.mirrors;

import dev.exporter.reference.ImageReference;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A {@code --registry-mirror} for Docker Hub, as dockerd's flag and daemon.json's {@code registry-mirrors}: a root URL
 * whose registry holds Hub's repositories under the same names ({@code library/alpine}).
 *
 * @param registry the mirror's {@code host[:port]}
 * @param insecure whether it was given as {@code http://}: plain HTTP
 */
public record HubMirror(String registry, boolean insecure) {

    /** Parses {@code https://mirror.corp:5000} or {@code http://10.0.0.5:5000/}; quotes the input when it is wrong. */
    public static HubMirror parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw invalid(url, "not a URL");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))) {
            throw invalid(url, "want an http:// or https:// URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw invalid(url, "no user name or password in the URL (use login)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw invalid(url, "no query or fragment");
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw invalid(url, "a mirror is a registry root, without a path");
        }
        if (uri.getHost() == null) {
            throw invalid(url, "no host");
        }
        String registry = uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        try {
            if (!ImageReference.parse(registry + "/x").registry().equals(registry)) {
                throw invalid(url, "invalid host '" + registry + "'");
            }
        } catch (IllegalArgumentException e) {
            throw invalid(url, "invalid host '" + registry + "'");
        }
        return new HubMirror(registry, scheme.equalsIgnoreCase("http"));
    }

    private static IllegalArgumentException invalid(String url, String why) {
        return new IllegalArgumentException("invalid registry mirror '" + url + "': " + why);
    }
}
