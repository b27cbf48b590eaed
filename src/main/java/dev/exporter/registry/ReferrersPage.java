package dev.exporter.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Descriptor;
import dev.exporter.image.ImageIndex;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestDocument;
import dev.exporter.image.ManifestException;
import dev.exporter.image.MediaTypes;
import dev.exporter.reference.Digest;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /v2/<name>/referrers/<digest>[?artifactType=]}, the OCI 1.1 referrers API: one page of the image index
 * of manifests whose {@code subject} is that digest, the {@code Link} to the next page, and whether the registry
 * applied the {@code artifactType} filter ({@code OCI-Filters-Applied}). {@link ReferrersLister} follows the pages.
 */
public final class ReferrersPage implements RegistryEndpoint<ReferrersPage.Page> {

    /**
     * One page.
     *
     * @param next     the next page's URI reference as the {@code Link} header gave it, or null on the last page
     * @param filtered whether the registry says it filtered by {@code artifactType}
     */
    public record Page(List<ReferrersLister.Listed> referrers, String next, boolean filtered) {
    }

    private final ImageReference repository;
    private final Digest subject;
    private final String path;

    /** @param path the page's path and query (the first one from {@link #firstPath}, later ones from links) */
    public ReferrersPage(ImageReference repository, Digest subject, String path) {
        this.repository = repository;
        this.subject = subject;
        this.path = path;
    }

    /** The first page's path, filtered by {@code artifactType} when it is not null. */
    public static String firstPath(ImageReference repository, Digest subject, String artifactType) {
        return "/v2/" + repository.repository() + "/referrers/" + subject
                + (artifactType != null ? "?artifactType=" + URLEncoder.encode(artifactType, StandardCharsets.UTF_8) : "");
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<String> accept() {
        return List.of(MediaTypes.OCI_INDEX);
    }

    @Override
    public String repository() {
        return repository.repository();
    }

    @Override
    public String description() {
        return describe(repository, subject);
    }

    static String describe(ImageReference repository, Digest subject) {
        return "list referrers of " + repository.fullName() + "@" + subject;
    }

    @Override
    public String notFoundMessage() {
        return "the registry has no referrers API";
    }

    @Override
    public Page handle(RegistryResponse response) throws IOException {
        byte[] body = response.body().readNBytes(ManifestDocument.MAX_SIZE + 1);
        if (body.length > ManifestDocument.MAX_SIZE) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description()
                    + ": referrers page larger than " + ManifestDocument.MAX_SIZE / (1024 * 1024) + " MiB");
        }
        List<ReferrersLister.Listed> referrers = new ArrayList<>();
        try {
            ManifestDocument document = ManifestDocument.parse(body, MediaTypes.OCI_INDEX, description());
            if (!(document instanceof ImageIndex index)) {
                throw new ManifestException(description() + ": the answer is not an image index");
            }
            JsonNode entries = Json.parse(body, description()).path("manifests");
            for (int i = 0; i < index.manifests().size(); i++) {
                Descriptor descriptor = index.manifests().get(i);
                referrers.add(new ReferrersLister.Listed(descriptor, Json.text(entries.get(i), "artifactType")));
            }
        } catch (ManifestException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), e.getMessage(), e);
        }
        String filters = response.header("OCI-Filters-Applied");
        boolean filtered = filters != null && List.of(filters.split(",")).stream().map(String::trim)
                .anyMatch("artifactType"::equals);
        return new Page(List.copyOf(referrers), TagsPage.nextLink(response.headers().allValues("Link")), filtered);
    }
}
