package dev.exporter.registry.http;

import java.net.URI;
import java.util.Locale;

/**
 * Where an http(s) URL leads: scheme, host and port, the unit connections are pooled by and credentials are kept
 * to. The one place that knows the default ports and how IPv6 hosts are written.
 *
 * @param scheme {@code http} or {@code https}, lower case
 * @param host   the host name (lower case) or address, an IPv6 address without brackets
 * @param port   the port, the scheme's default when the URL names none
 */
public record Origin(String scheme, String host, int port) {

    public Origin {
        scheme = scheme.toLowerCase(Locale.ROOT);
        host = host.toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("not an http(s) scheme: '" + scheme + "'");
        }
        if (host.isEmpty() || host.startsWith("[") || port < 1 || port > 65535) {
            throw new IllegalArgumentException("invalid origin '" + scheme + "://" + host + ":" + port + "'");
        }
    }

    /** The origin of an absolute http(s) URI; throws {@link IllegalArgumentException} quoting any other. */
    public static Origin of(URI uri) {
        String host = uri.getHost();
        if (uri.getScheme() == null || host == null) {
            throw new IllegalArgumentException("not an http(s) URL with a host: '" + uri + "'");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return new Origin(scheme, bare, uri.getPort() != -1 ? uri.getPort() : defaultPort(scheme));
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }

    /** {@code host:port}, with an IPv6 host in brackets: for a {@code CONNECT} line or a proxy's name. */
    public static String authority(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code host:port} of this origin. */
    public String authority() {
        return authority(host, port);
    }

    /** Whether {@code uri} leads to this origin. */
    public boolean sameAs(URI uri) {
        try {
            return equals(of(uri));
        } catch (IllegalArgumentException notHttp) {
            return false;
        }
    }

    @Override
    public String toString() {
        return scheme + "://" + authority();
    }

    // equals and hashCode are spelled out because origins key the connection pool from the first request on: a
    // record's generated ones are linked through method handles on first use, some 20 ms of every run's start-up.

    @Override
    public boolean equals(Object other) {
        return other instanceof Origin o && port == o.port && host.equals(o.host) && scheme.equals(o.scheme);
    }

    @Override
    public int hashCode() {
        return (scheme.hashCode() * 31 + host.hashCode()) * 31 + port;
    }
}
