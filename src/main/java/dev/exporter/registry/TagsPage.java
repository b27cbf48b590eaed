package dev.exporter.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.exporter.image.Json;
import dev.exporter.reference.ImageReference;
import dev.exporter.registry.RegistryException.Kind;
import dev.exporter.text.Printable;

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
    private final int tagsLeft;
    private final long bytesLeft;

    /**
     * @param path      the page's path and query, e.g. {@code /v2/library/alpine/tags/list?n=100&last=3.14}
     * @param tagsLeft  how many more tags the listing takes; a page with more fails the listing
     * @param bytesLeft how many more characters of tag names the listing takes
     */
    public TagsPage(ImageReference repository, String path, int tagsLeft, long bytesLeft) {
        this.repository = repository;
        this.path = path;
        this.tagsLeft = tagsLeft;
        this.bytesLeft = bytesLeft;
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
            throw invalid(response, "tag list page larger than " + MAX_PAGE_SIZE / (1024 * 1024) + " MiB");
        }
        return new Page(tags(response, body), nextLink(response.headers().allValues("Link")));
    }

    /**
     * The page's {@code tags}, read with a streaming parser: a page of millions of tiny tags as a JSON tree would take
     * many times its size in memory.
     */
    private List<String> tags(RegistryResponse response, byte[] body) throws IOException {
        List<String> names = new ArrayList<>();
        long bytes = 0;
        try (JsonParser parser = Json.parser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw invalid(response, "the tag list is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                JsonToken value = parser.nextToken();
                // distribution answers "tags": null for a repository whose tags were all deleted
                if (!parser.currentName().equals("tags") || value == JsonToken.VALUE_NULL) {
                    parser.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_ARRAY) {
                    throw invalid(response, "'tags' is not an array");
                }
                for (JsonToken tag; (tag = parser.nextToken()) != JsonToken.END_ARRAY; ) {
                    if (tag != JsonToken.VALUE_STRING) {
                        throw invalid(response, "'tags' holds a non-string value " + Printable.fragment(parser.getText(), 40));
                    }
                    String name = parser.getText();
                    bytes += name.length();
                    if (names.size() >= tagsLeft || bytes > bytesLeft) {
                        throw TagLister.tooMany(repository);
                    }
                    names.add(name);
                }
            }
            if (parser.nextToken() != null) {
                throw invalid(response, "unexpected data after the JSON document");
            }
        } catch (JsonProcessingException e) {
            throw invalid(response, "malformed JSON (" + Printable.fragment(e.getOriginalMessage(), 100) + ")");
        }
        return names;
    }

    private RegistryException invalid(RegistryResponse response, String why) {
        return new RegistryException(Kind.INVALID_CONTENT, response.status(), description() + ": " + why);
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
