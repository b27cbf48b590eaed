package dev.exporter.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exporter.image.Json;
import dev.exporter.image.ManifestException;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v2/<name>/tags/list[?n=&last=]}: one page of a repository's tags, and the {@code Link} to the next
 * page if the registry paginates. {@link TagLister} follows the links.
 */
public final class TagsPage implements RegistryEndpoint<TagsPage.Page> {

    /** A tag list is a few bytes per tag; a page beyond this is not a page. */
    static final int MAX_PAGE_SIZE = 16 * 1024 * 1024;

    /** {@code <uri-reference>} followed by its parameters, one link-value of a {@code Link} header. */
    private static final Pattern LINK_VALUE = Pattern.compile("<([^>]*)>((?:\\s*;\\s*[^;,]*)*)");
    private static final Pattern REL = Pattern.compile("(?i)\\brel\\s*=\\s*(?:\"([^\"]*)\"|([^\\s;,\"]+))");

    /**
     * One page.
     *
     * @param next the next page's URI reference exactly as the {@code Link} header gave it, or null on the last page
     */
    public record Page(List<String> tags, String next) {
    }

    private final ImageReference repository;
    private final String path;

    /** @param path the page's path and query, e.g. {@code /v2/library/alpine/tags/list?n=100&last=3.14} */
    public TagsPage(ImageReference repository, String path) {
        this.repository = repository;
        this.path = path;
    }

    /** The first page's path, asking for {@code pageSize} tags per page, or leaving it to the registry when null. */
    public static String firstPath(ImageReference repository, Integer pageSize) {
        return "/v2/" + repository.repository() + "/tags/list" + (pageSize != null ? "?n=" + pageSize : "");
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<String> accept() {
        return List.of("application/json");
    }

    @Override
    public String repository() {
        return repository.repository();
    }

    @Override
    public String description() {
        return describe(repository);
    }

    static String describe(ImageReference repository) {
        return "list tags of " + repository.fullName();
    }

    @Override
    public String notFoundMessage() {
        return "repository not found";
    }

    @Override
    public Page handle(RegistryResponse response) throws IOException {
        byte[] body = response.body().readNBytes(MAX_PAGE_SIZE + 1);
        if (body.length > MAX_PAGE_SIZE) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description()
                    + ": tag list page larger than " + MAX_PAGE_SIZE / (1024 * 1024) + " MiB");
        }
        JsonNode tags;
        try {
            tags = Json.parse(body, description()).path("tags");
        } catch (ManifestException e) {
            throw new RegistryException(Kind.INVALID_CONTENT, response.status(), e.getMessage(), e);
        }
        List<String> names = new ArrayList<>();
        // distribution answers "tags": null for a repository whose tags were all deleted
        if (!tags.isMissingNode() && !tags.isNull()) {
            if (!tags.isArray()) {
                throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description() + ": 'tags' is not an array");
            }
            for (JsonNode tag : tags) {
                if (!tag.isTextual()) {
                    throw new RegistryException(Kind.INVALID_CONTENT, response.status(), description()
                            + ": 'tags' holds a non-string value " + tag);
                }
                names.add(tag.asText());
            }
        }
        return new Page(List.copyOf(names), nextLink(response.headers().allValues("Link")));
    }

    /**
     * The target of the {@code rel="next"} link among {@code Link} header values (RFC 8288), or null. A header may
     * hold several comma-separated links and {@code rel} several space-separated relation types.
     */
    static String nextLink(List<String> linkHeaders) {
        for (String header : linkHeaders) {
            Matcher link = LINK_VALUE.matcher(header);
            while (link.find()) {
                Matcher rel = REL.matcher(link.group(2));
                while (rel.find()) {
                    String types = rel.group(1) != null ? rel.group(1) : rel.group(2);
                    for (String type : types.trim().split("\\s+")) {
                        if (type.equalsIgnoreCase("next")) {
                            return link.group(1).trim();
                        }
                    }
                }
            }
        }
        return null;
    }
}
