package dev.exporter.registry.http;

import dev.exporter.reference.Registry;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which requests go through a proxy, by the environment variables docker, skopeo, crane and curl read:
 * {@code HTTPS_PROXY} for https URLs, {@code HTTP_PROXY} for plain-HTTP ones (upper case first, then lower case),
 * except hosts matching {@code NO_PROXY}. Like Go's rules: a {@code NO_PROXY} entry is {@code *}, an IP address,
 * a CIDR block, or a domain name that matches itself and its subdomains ({@code .example.com}: subdomains only),
 * each optionally with {@code :port}; and loopback hosts are never proxied.
 */
public final class Proxies {

    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

    /** Every request goes straight to its host. */
    public static final Proxies NONE = new Proxies(null, null, List.of());

    private final HttpProxy http;
    private final HttpProxy https;
    private final List<String> noProxy;

    private Proxies(HttpProxy http, HttpProxy https, List<String> noProxy) {
        this.http = http;
        this.https = https;
        this.noProxy = noProxy;
    }

    /** Reads the proxy variables from {@code env}; an unusable proxy URL is an error naming its variable. */
    public static Proxies fromEnvironment(Map<String, String> env) {
        HttpProxy http = proxy(env, "HTTP_PROXY");
        HttpProxy https = proxy(env, "HTTPS_PROXY");
        List<String> noProxy = new ArrayList<>();
        String exclusions = value(env, "NO_PROXY");
        if (exclusions != null) {
            for (String entry : exclusions.split(",")) {
                if (!entry.isBlank()) {
                    noProxy.add(entry.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        return http == null && https == null ? NONE : new Proxies(http, https, List.copyOf(noProxy));
    }

    private static HttpProxy proxy(Map<String, String> env, String name) {
        String value = value(env, name);
        if (value == null) {
            return null;
        }
        try {
            return HttpProxy.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            value = env.get(name.toLowerCase(Locale.ROOT));
        }
        return value == null || value.isBlank() ? null : value;
    }

    /** The proxy for {@code uri}, or null to connect directly. */
    public HttpProxy forUri(URI uri) {
        HttpProxy proxy = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
        if (proxy == null) {
            return null;
        }
        Origin origin = Origin.of(uri);
        String host = origin.host();
        int port = origin.port();
        if (Registry.isLoopbackHost(host)) {
            return null;
        }
        for (String entry : noProxy) {
            if (excludes(entry, host, port)) {
                return null;
            }
        }
        return proxy;
    }

    private static boolean excludes(String entry, String host, int port) {
        if (entry.equals("*")) {
            return true;
        }
        String pattern = entry;
        String portText = null;
        if (entry.startsWith("[")) { // [v6] or [v6]:port
            int end = entry.indexOf(']');
            if (end < 0 || (end + 1 < entry.length() && entry.charAt(end + 1) != ':')) {
                return false;
            }
            pattern = entry.substring(1, end);
            portText = end + 1 < entry.length() ? entry.substring(end + 2) : null;
        } else if (entry.indexOf(':') > 0 && entry.indexOf(':') == entry.lastIndexOf(':')) { // name or v4 with port
            pattern = entry.substring(0, entry.indexOf(':'));
            portText = entry.substring(entry.indexOf(':') + 1);
        }
        if (portText != null && !portText.equals(String.valueOf(port))) {
            return false;
        }
        if (pattern.contains("/")) {
            return inCidr(pattern, host);
        }
        InetAddress literal = address(pattern);
        if (literal != null) {
            return literal.equals(address(host));
        }
        if (pattern.startsWith("*.")) {
            pattern = pattern.substring(1);
        }
        if (pattern.startsWith(".")) {
            return host.endsWith(pattern);
        }
        return host.equals(pattern) || host.endsWith("." + pattern);
    }

    /** The address an IP literal spells, or null for anything else; never a DNS lookup. */
    private static InetAddress address(String literal) {
        boolean v4 = IPV4.matcher(literal).matches();
        if (!v4 && !literal.contains(":")) {
            return null;
        }
        try {
            // a valid dotted quad, or IPv6 in brackets, is parsed by the JDK without asking DNS
            return InetAddress.getByName(v4 ? literal : "[" + literal + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean inCidr(String cidr, String host) {
        int slash = cidr.indexOf('/');
        InetAddress networkAddress = address(cidr.substring(0, slash));
        InetAddress hostAddress = address(host);
        if (networkAddress == null || hostAddress == null) {
            return false;
        }
        try {
            byte[] network = networkAddress.getAddress();
            byte[] address = hostAddress.getAddress();
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            if (network.length != address.length || bits < 0 || bits > network.length * 8) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((network[i / 8] & mask) != (address[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
