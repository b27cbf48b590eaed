package dev.exporter.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An in-process fake of the one registry call distribution 2.8 cannot be made to paginate:
 * {@code GET /v2/<name>/tags/list}. It pages its tags the way the distribution spec allows: {@code n}
 * limits a page (the fake's own page size applies when the client sends none), {@code last} continues
 * after a tag, and {@code Link: <...>; rel="next"} points at the next page, relative or absolute as
 * configured, or (in {@link LinkStyle#LOOP}) back at a page already served. Plain HTTP on
 * {@code 127.0.0.1}, anonymous, two threads; every other path is 404 {@code NAME_UNKNOWN}.
 */
public final class PagingTagRegistry implements AutoCloseable {

    /** How next-page links are written. */
    public enum LinkStyle {
        /** {@code </v2/<name>/tags/list?n=..&last=..>}, as distribution and Docker Hub send it. */
        RELATIVE,
        /** {@code <http://127.0.0.1:PORT/v2/...>}, which the spec also allows. */
        ABSOLUTE,
        /** Every page after the first links to the second page, so a client that follows blindly never ends. */
        LOOP
    }

    private final String repository;
    private final List<String> tags;
    private final int defaultPageSize;
    private final LinkStyle style;
    private final LoopbackServer server;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    private PagingTagRegistry(String repository, List<String> tags, int defaultPageSize, LinkStyle style) {
        this.repository = repository;
        this.tags = tags.stream().sorted().toList();
        this.defaultPageSize = defaultPageSize;
        this.style = style;
        this.server = LoopbackServer.start("paging-tag-registry", 2, this::handle);
    }

    /**
     * Serves {@code tags} (listed in lexical order, as the spec requires) for {@code repository}.
     *
     * @param defaultPageSize page size when a request has no {@code n}
     */
    public static PagingTagRegistry start(String repository, List<String> tags, int defaultPageSize, LinkStyle style) {
        return new PagingTagRegistry(repository, tags, defaultPageSize, style);
    }

    /** {@code 127.0.0.1:PORT}, as used in image references. */
    public String hostPort() {
        return server.hostPort();
    }

    /** Path and query of every tag-list request so far, in order. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The tags in the order a client must list them. */
    public List<String> tags() {
        return tags;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            if (!"GET".equals(exchange.getRequestMethod()) || !path.equals("/v2/" + repository + "/tags/list")) {
                send(exchange, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}");
                return;
            }
            requests.add(query == null ? path : path + "?" + query);
            Map<String, String> params = params(query);
            int n = params.containsKey("n") ? Integer.parseInt(params.get("n")) : defaultPageSize;
            String last = params.get("last");
            int from = 0;
            while (last != null && from < tags.size() && tags.get(from).compareTo(last) <= 0) {
                from++;
            }
            List<String> page = tags.subList(from, Math.min(tags.size(), from + n));
            ObjectNode body = ImageBuilder.JSON.createObjectNode().put("name", repository);
            ArrayNode list = body.putArray("tags");
            page.forEach(list::add);
            if (from + page.size() < tags.size()) {
                exchange.getResponseHeaders().add("Link", "<" + nextLink(n, page.get(page.size() - 1)) + ">; rel=\"next\"");
            }
            send(exchange, 200, body.toString());
        }
    }

    private String nextLink(int n, String lastTag) {
        String pathAndQuery = "/v2/" + repository + "/tags/list?n=" + n + "&last=" + lastTag;
        return switch (style) {
            case RELATIVE -> pathAndQuery;
            case ABSOLUTE -> "http://" + hostPort() + pathAndQuery;
            case LOOP -> "/v2/" + repository + "/tags/list?n=" + n + "&last=" + tags.get(n - 1);
        };
    }

    /** A query string's parameters, decoded (the fakes' shared parser). */
    static Map<String, String> params(String query) {
        Map<String, String> params = new HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.close();
    }
}
