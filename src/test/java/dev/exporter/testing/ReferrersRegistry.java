package dev.exporter.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-process registry with the OCI 1.1 referrers API, which no registry installed here implements: one
 * repository's manifests (by tag and digest, {@code GET} and {@code HEAD}), blobs, and
 * {@code GET /v2/<name>/referrers/<digest>} paged {@code pageSize} at a time with relative {@code Link} headers,
 * filtering by {@code artifactType} (and saying so in {@code OCI-Filters-Applied}) unless told to ignore filters.
 * Plain HTTP on 127.0.0.1, anonymous; every request is logged as {@code METHOD path?query}.
 */
public final class ReferrersRegistry implements AutoCloseable {

    private record Manifest(String mediaType, byte[] bytes) {
    }

    private record Listed(String mediaType, String digest, long size, String artifactType) {
    }

    private final String repository;
    private final int pageSize;
    private final boolean applyFilters;
    private final Map<String, Manifest> manifests = new ConcurrentHashMap<>();
    private final Map<String, String> tags = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, List<Listed>> referrers = new ConcurrentHashMap<>();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> accepts = Collections.synchronizedList(new ArrayList<>());
    private final LoopbackServer server;
    /** Blobs whose GET is answered only once a request starting with the given text has come (see {@link #hold}). */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    private final List<String> heldTooLong = Collections.synchronizedList(new ArrayList<>());

    private ReferrersRegistry(String repository, int pageSize, boolean applyFilters) {
        this.repository = repository;
        this.pageSize = pageSize;
        this.applyFilters = applyFilters;
        this.server = LoopbackServer.start("referrers-registry", 4, this::handle);
    }

    /** @param applyFilters whether {@code artifactType} filters are applied (else ignored, as the spec allows) */
    public static ReferrersRegistry start(String repository, int pageSize, boolean applyFilters) {
        return new ReferrersRegistry(repository, pageSize, applyFilters);
    }

    public String hostPort() {
        return server.hostPort();
    }

    /** Stores an image under {@code tag} (and its digest). */
    public void image(TestImage image, String tag) {
        blobs.putAll(image.blobs());
        manifests.put(image.manifestDigest(), new Manifest(image.mediaType(), image.manifestBytes()));
        tags.put(tag, image.manifestDigest());
    }

    /** Stores {@code referrer} by digest and lists it among the referrers of {@code subject}. */
    public void referrer(String subject, TestReferrer referrer) {
        blobs.putAll(referrer.blobs());
        manifests.put(referrer.digest(), new Manifest(referrer.mediaType(), referrer.manifestBytes()));
        referrers.computeIfAbsent(subject, s -> Collections.synchronizedList(new ArrayList<>()))
                .add(new Listed(referrer.mediaType(), referrer.digest(), referrer.manifestBytes().length, referrer.artifactType()));
    }

    /**
     * Answers the GET of blob {@code digest} only once a request starting with {@code awaited} (such as
     * {@code "GET /v2/REPO/referrers/"}) has come, or after 3 seconds, which {@link #heldTooLong} then tells: shows
     * that a client sends that request without waiting for the blob.
     */
    public void hold(String digest, String awaited) {
        held.put(digest, awaited);
    }

    /** The blobs whose answer waited the whole 3 seconds for their awaited request. */
    public List<String> heldTooLong() {
        synchronized (heldTooLong) {
            return List.copyOf(heldTooLong);
        }
    }

    private void awaitRequest(String digest, String awaited) {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (requests().stream().noneMatch(r -> r.startsWith(awaited))) {
            if (System.nanoTime() > deadline) {
                heldTooLong.add(digest);
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every request so far, {@code METHOD path?query}, in order. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The {@code Accept} header of every request, in the same order as {@link #requests()}. */
    public List<String> accepts() {
        synchronized (requests) {
            return List.copyOf(accepts);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            synchronized (requests) {
                requests.add(method + " " + path + (query == null ? "" : "?" + query));
                accepts.add(String.valueOf(exchange.getRequestHeaders().getFirst("Accept")));
            }
            String prefix = "/v2/" + repository + "/";
            if (path.equals("/v2/")) {
                send(exchange, method, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith(prefix + "manifests/")) {
                String reference = path.substring((prefix + "manifests/").length());
                Manifest manifest = manifests.get(tags.getOrDefault(reference, reference));
                if (manifest == null) {
                    error(exchange, method, "MANIFEST_UNKNOWN");
                    return;
                }
                exchange.getResponseHeaders().set("Docker-Content-Digest", Digests.sha256(manifest.bytes()));
                send(exchange, method, 200, manifest.mediaType(), manifest.bytes());
            } else if (path.startsWith(prefix + "blobs/")) {
                String digest = path.substring((prefix + "blobs/").length());
                String awaited = held.get(digest);
                if (awaited != null) {
                    awaitRequest(digest, awaited);
                }
                byte[] blob = blobs.get(digest);
                if (blob == null) {
                    error(exchange, method, "BLOB_UNKNOWN");
                    return;
                }
                send(exchange, method, 200, "application/octet-stream", blob);
            } else if (path.startsWith(prefix + "referrers/") && method.equals("GET")) {
                referrersPage(exchange, path.substring((prefix + "referrers/").length()), PagingTagRegistry.params(query));
            } else {
                error(exchange, method, "NAME_UNKNOWN");
            }
        }
    }

    private void referrersPage(HttpExchange exchange, String subject, Map<String, String> params) throws IOException {
        String artifactType = params.get("artifactType");
        List<Listed> all = new ArrayList<>(referrers.getOrDefault(subject, List.of()));
        if (artifactType != null && applyFilters) {
            all.removeIf(r -> !artifactType.equals(r.artifactType()));
            exchange.getResponseHeaders().set("OCI-Filters-Applied", "artifactType");
        }
        int page = Integer.parseInt(params.getOrDefault("page", "0"));
        int from = page * pageSize;
        ObjectNode index = ImageBuilder.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", TestReferrer.OCI_INDEX);
        ArrayNode list = index.putArray("manifests");
        for (Listed listed : all.subList(Math.min(from, all.size()), Math.min(from + pageSize, all.size()))) {
            ObjectNode entry = list.addObject().put("mediaType", listed.mediaType()).put("digest", listed.digest())
                    .put("size", listed.size());
            if (listed.artifactType() != null) {
                entry.put("artifactType", listed.artifactType());
            }
        }
        if (from + pageSize < all.size()) {
            String next = "/v2/" + repository + "/referrers/" + subject + "?page=" + (page + 1)
                    + (artifactType != null ? "&artifactType=" + java.net.URLEncoder.encode(artifactType, StandardCharsets.UTF_8) : "");
            exchange.getResponseHeaders().add("Link", "<" + next + ">; rel=\"next\"");
        }
        send(exchange, "GET", 200, TestReferrer.OCI_INDEX, ImageBuilder.writeJson(index));
    }

    private static void error(HttpExchange exchange, String method, String code) throws IOException {
        send(exchange, method, 404, "application/json",
                ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"not known\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, String method, int status, String contentType, byte[] body)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if (method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.close();
    }
}
