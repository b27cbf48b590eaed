package dev.exporter.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A second host, like the CDN or object storage a registry redirects blob downloads to, on
 * {@code 127.0.0.1:<free port>} (another origin than the registry). It serves {@code GET <path>} by fetching the same
 * path from the registry with its own credentials, and records the {@code Authorization} header each request
 * arrived with, so tests can prove a client never leaks the registry's credentials to it.
 */
public final class BlobStorageHost implements AutoCloseable {

    /** One request: its path and the Authorization header it carried (null when none). */
    public record Hit(String path, String authorization) {
    }

    private final URI registry;
    private final Supplier<String> registryAuthorization;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "blob-storage-host");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Hit> hits = new CopyOnWriteArrayList<>();

    private BlobStorageHost(URI registry, Supplier<String> registryAuthorization) throws IOException {
        this.registry = registry;
        this.registryAuthorization = registryAuthorization;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @param registry              where the bytes really come from ({@code http://host:port})
     * @param registryAuthorization this host's own Authorization for the registry, or a supplier of null
     */
    public static BlobStorageHost start(URI registry, Supplier<String> registryAuthorization) {
        try {
            return new BlobStorageHost(registry, registryAuthorization);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start blob storage host", e);
        }
    }

    /** {@code http://127.0.0.1:PORT}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Hit> hits() {
        return List.copyOf(hits);
    }

    public void reset() {
        hits.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            hits.add(new Hit(path, exchange.getRequestHeaders().getFirst("Authorization")));
            HttpRequest.Builder request = HttpRequest.newBuilder(registry.resolve(path)).timeout(Duration.ofSeconds(30));
            String range = exchange.getRequestHeaders().getFirst("Range");
            if (range != null) {
                request.header("Range", range);
            }
            String authorization = registryAuthorization.get();
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            response.headers().firstValue("Content-Range")
                    .ifPresent(v -> exchange.getResponseHeaders().set("Content-Range", v));
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            byte[] body = response.body();
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        }
    }
}
