package dev.exporter.registry.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A forward HTTP proxy: https requests go through a {@code CONNECT} tunnel, plain-HTTP ones are sent to it whole.
 *
 * @param host          the proxy's host name or address (IPv6 without brackets)
 * @param port          its port
 * @param authorization the {@code Proxy-Authorization} value for the user info of its URL, or null
 */
public record HttpProxy(String host, int port, String authorization) {

    /**
     * Parses a proxy URL as {@code HTTPS_PROXY} holds it: {@code http://[user:password@]host[:port]}, or just
     * {@code host[:port]} (port 80 by default, as curl and Go do). Errors never quote the password.
     */
    public static HttpProxy parse(String value) {
        String text = value.strip();
        String withScheme = text.contains("://") ? text : "http://" + text;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid proxy URL '" + redacted(text) + "'");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("unsupported proxy URL '" + redacted(text)
                    + "': only http:// proxies are supported");
        }
        if (uri.getHost() == null || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("invalid proxy URL '" + redacted(text) + "': expected http://host:port");
        }
        String authorization = null;
        if (uri.getRawUserInfo() != null) {
            String userInfo = uri.getRawUserInfo();
            int colon = userInfo.indexOf(':');
            String user = unescape(colon < 0 ? userInfo : userInfo.substring(0, colon));
            String password = colon < 0 ? "" : unescape(userInfo.substring(colon + 1));
            authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }
        Origin origin = Origin.of(uri);
        return new HttpProxy(origin.host(), origin.port(), authorization);
    }

    /** Percent-decoding as in URLs ({@code +} stays a plus sign). */
    private static String unescape(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** A proxy URL with any user info cut out. */
    static String redacted(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int scheme = url.indexOf("://");
        return (scheme >= 0 && scheme < at ? url.substring(0, scheme + 3) : "") + "***@" + url.substring(at + 1);
    }

    /** {@code host:port}, never the credentials. */
    @Override
    public String toString() {
        return Origin.authority(host, port);
    }
}
