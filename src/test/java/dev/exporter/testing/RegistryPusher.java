package dev.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Uploads test images to a {@link LocalRegistry} over the plain registry HTTP API, authenticating
 * itself (Basic for htpasswd registries, a bearer token minted directly by the registry's
 * {@link TokenServer} in token mode, so the token server's request record stays untouched).
 *
 * <pre>{@code
 * String digest = new RegistryPusher(SharedRegistries.token()).push(TestImages.small(ImageFormat.OCI), "team/app", "v1");
 * }</pre>
 */
public final class RegistryPusher {

    /** Media types accepted when reading manifests back. */
    public static final String MANIFEST_ACCEPT = String.join(", ",
            ImageFormat.OCI.manifestMediaType(), ImageFormat.OCI.indexMediaType(),
            ImageFormat.DOCKER.manifestMediaType(), ImageFormat.DOCKER.indexMediaType());

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final LocalRegistry registry;
    private final String user;
    private final String password;
    private final HttpClient http;

    /** Pushes as admin/admin-secret (ignored when the registry has no auth). */
    public RegistryPusher(LocalRegistry registry) {
        this(registry, "admin", "admin-secret");
    }

    /** Pushes as {@code user}; in token mode the password is not checked (tokens are minted directly). */
    public RegistryPusher(LocalRegistry registry, String user, String password) {
        this.registry = registry;
        this.user = user;
        this.password = password;
        this.http = registry.newHttpClient();
    }

    /**
     * Pushes all blobs, then (for an index, the children by digest first) the manifest under
     * {@code tag}.
     *
     * @return the manifest digest, checked against the registry's {@code Docker-Content-Digest}
     */
    public String push(TestArtifact artifact, String repository, String tag) {
        artifact.blobs().values().forEach(blob -> pushBlob(repository, blob));
        if (artifact instanceof TestIndex index) {
            for (TestImage child : index.children()) {
                pushManifest(repository, child.manifestDigest(), child.mediaType(), child.manifestBytes());
            }
        }
        return pushManifest(repository, tag, artifact.mediaType(), artifact.manifestBytes());
    }

    /** Uploads {@code blob} monolithically unless the repository already has it. */
    public void pushBlob(String repository, byte[] blob) {
        String digest = Digests.sha256(blob);
        HttpResponse<byte[]> head = send(repository, request("/v2/" + repository + "/blobs/" + digest)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        if (head.statusCode() == 200) {
            return;
        }
        expect(head, 404);
        HttpResponse<byte[]> start = expect(send(repository, request("/v2/" + repository + "/blobs/uploads/")
                .POST(HttpRequest.BodyPublishers.noBody())), 202);
        String location = start.headers().firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("upload started without a Location header"));
        // Location may be relative or absolute and usually already has a query (_state=...).
        URI upload = registry.baseUri().resolve(location);
        String separator = upload.getRawQuery() == null ? "?" : "&";
        URI put = URI.create(upload + separator + "digest=" + URLEncoder.encode(digest, StandardCharsets.UTF_8));
        expect(send(repository, HttpRequest.newBuilder(put).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob))), 201);
    }

    /**
     * Puts a manifest under {@code reference} (tag or digest).
     *
     * @return its digest, after checking it equals the registry's {@code Docker-Content-Digest}
     */
    public String pushManifest(String repository, String reference, String mediaType, byte[] manifest) {
        HttpResponse<byte[]> response = expect(send(repository, request("/v2/" + repository + "/manifests/" + reference)
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))), 201);
        String digest = Digests.sha256(manifest);
        String registryDigest = response.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (!digest.equals(registryDigest)) {
            throw new AssertionError("registry computed digest " + registryDigest + " for manifest " + digest);
        }
        return digest;
    }

    /** GETs a manifest (any Docker/OCI type) as this pusher's user; the response is returned whatever its status. */
    public HttpResponse<byte[]> getManifest(String repository, String reference) {
        return send(repository, request("/v2/" + repository + "/manifests/" + reference)
                .header("Accept", MANIFEST_ACCEPT).GET());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(registry.baseUri().resolve(path)).timeout(REQUEST_TIMEOUT);
    }

    private HttpResponse<byte[]> send(String repository, HttpRequest.Builder request) {
        String authorization = authorization(repository);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private String authorization(String repository) {
        return switch (registry.authMode()) {
            case NONE -> null;
            case HTPASSWD -> "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            case TOKEN -> "Bearer " + registry.tokenServer().mintToken(user, LocalRegistry.TOKEN_SERVICE,
                    List.of("repository:" + repository + ":pull,push"));
        };
    }

    private static HttpResponse<byte[]> expect(HttpResponse<byte[]> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.uri() + ": expected "
                    + status + " but got " + response.statusCode() + " "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return response;
    }
}
