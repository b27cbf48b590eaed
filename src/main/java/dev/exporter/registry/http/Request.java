package dev.exporter.registry.http;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One HTTP/1.1 request: a method, an absolute http(s) URI, header fields in the order they are sent, and an optional
 * body.
 *
 * @param body what to send with a {@code Content-Length}, or null for none
 */
public record Request(String method, URI uri, List<Map.Entry<String, String>> headers, RequestBody body) {

    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern LINE_BREAK_OR_NUL = Pattern.compile("[\\r\\n\\x00]");

    public Request {
        if (method == null || !METHOD.matcher(method).matches()) {
            throw new IllegalArgumentException("invalid HTTP method '" + method + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL with a host: '" + uri + "'");
        }
        for (Map.Entry<String, String> header : headers) {
            if (!FIELD_NAME.matcher(header.getKey()).matches() || LINE_BREAK_OR_NUL.matcher(header.getValue()).find()) {
                throw new IllegalArgumentException("invalid HTTP header '" + header.getKey() + "'");
            }
        }
        headers = List.copyOf(headers);
    }

    public static Request get(URI uri) {
        return new Request("GET", uri, List.of(), null);
    }

    /** This request with another method. */
    public Request method(String newMethod) {
        return new Request(newMethod, uri, headers, body);
    }

    /** This request with one more header field. */
    public Request header(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new Request(method, uri, more, body);
    }

    /** This request as a POST of {@code content} with the given content type. */
    public Request post(String contentType, byte[] content) {
        return new Request("POST", uri, headers, RequestBody.of(content)).header("Content-Type", contentType);
    }

    /** This request sending {@code content} (or no body, for null). */
    public Request body(RequestBody content) {
        return new Request(method, uri, headers, content);
    }
}
